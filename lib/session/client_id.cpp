#include "session/client_id.hpp"

#include <string_view>

#include "session/splitmix64.hpp"

namespace tern::detail {

std::string generate_client_id(std::uint64_t& state) {
  constexpr std::string_view alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  std::string id = "tern";
  while (id.size() < generated_client_id_size) id += alphabet[splitmix64(state) % alphabet.size()];
  return id;
}

}  // namespace tern::detail
