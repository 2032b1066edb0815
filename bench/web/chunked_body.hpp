#pragma once
// HTTP/1.1 chunked transfer coding (RFC 9112 section 7.1), incremental: feed
// it whatever a read brought, it hands out the data pieces in order.
// Extensions and trailers are skipped.

#include <cstddef>
#include <string_view>

namespace tern::web_bench {

class chunked_body {
 public:
  /// Calls piece(std::string_view) for each run of chunk data in `in`.
  /// Returns false on malformed input.
  template <class F>
  bool feed(std::string_view in, F&& piece) {
    std::size_t i = 0;
    while (i < in.size()) {
      char c = in[i];
      switch (state_) {
        case state::size:
          if (c == '\n') {
            state_ = left_ ? state::data : state::trailer;
          } else if (c == ';') {
            state_ = state::extension;
          } else if (c != '\r') {
            int d = hex(c);
            if (d < 0 || left_ > (std::size_t{1} << 40)) return false;
            left_ = left_ * 16 + static_cast<std::size_t>(d);
          }
          ++i;
          break;
        case state::extension:
          if (c == '\n') state_ = left_ ? state::data : state::trailer;
          ++i;
          break;
        case state::data: {
          std::size_t n = in.size() - i < left_ ? in.size() - i : left_;
          piece(in.substr(i, n));
          i += n;
          left_ -= n;
          if (!left_) state_ = state::data_end;
          break;
        }
        case state::data_end:
          if (c == '\n') state_ = state::size;
          ++i;
          break;
        case state::trailer:
          ++i;  // the stream is over; the server closes it
          break;
      }
    }
    return true;
  }

 private:
  enum class state { size, extension, data, data_end, trailer };
  static int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }
  state state_ = state::size;
  std::size_t left_ = 0;
};

}  // namespace tern::web_bench
