#pragma once
// One maker per kind of up-path client (see up_clients.hpp).

#include "up_clients.hpp"

namespace tern::web_bench {

std::shared_ptr<up_client> make_http_poster(boost::asio::io_context& ioc, const up_spec& spec, up_tally& tally);
std::shared_ptr<up_client> make_ws_poster(boost::asio::io_context& ioc, const up_spec& spec, up_tally& tally);
std::shared_ptr<up_client> make_sio_poster(boost::asio::io_context& ioc, const up_spec& spec, up_tally& tally);

}  // namespace tern::web_bench
