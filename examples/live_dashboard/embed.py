#!/usr/bin/env python3
"""Embeds a text file in C++ as a std::string_view (meson runs this at build time).

usage: embed.py INPUT OUTPUT NAMESPACE::NAME
"""
import sys

src, out, qualified = sys.argv[1:4]
namespace, name = qualified.rsplit("::", 1)
text = open(src, encoding="utf-8").read()
delim = "tern_embed"
if ")" + delim + '"' in text:
    sys.exit(f"embed.py: {src} contains the raw-string delimiter )" + delim + '"')
with open(out, "w", encoding="utf-8") as f:
    f.write(f"// Generated from {src.split('/')[-1]} by embed.py: do not edit.\n")
    f.write("#include <string_view>\n")
    f.write(f"namespace {namespace} {{\n")
    f.write(f"extern const std::string_view {name};\n")
    f.write(f'const std::string_view {name} = R"{delim}({text}){delim}";\n')
    f.write(f"}}  // namespace {namespace}\n")
