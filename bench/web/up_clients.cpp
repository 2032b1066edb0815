#include "up_clients.hpp"

#include "up_kinds.hpp"

namespace tern::web_bench {

std::shared_ptr<up_client> make_up_client(up_protocol p, boost::asio::io_context& ioc, const up_spec& spec,
                                          up_tally& tally) {
  switch (p) {
    case up_protocol::http: return make_http_poster(ioc, spec, tally);
    case up_protocol::ws: return make_ws_poster(ioc, spec, tally);
    case up_protocol::sio: return make_sio_poster(ioc, spec, tally);
  }
  return nullptr;
}

}  // namespace tern::web_bench
