#include "session/client_id.hpp"

#include <string_view>

namespace tern::detail {
namespace {

std::uint64_t splitmix64(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15u);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
  return z ^ (z >> 31);
}

}  // namespace

std::string generate_client_id(std::uint64_t& state) {
  constexpr std::string_view alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  std::string id = "tern";
  while (id.size() < generated_client_id_size) id += alphabet[splitmix64(state) % alphabet.size()];
  return id;
}

}  // namespace tern::detail
