// Configuration: sources (map, environment, JSON, INI), every key with its
// default, type errors naming the key, typo reports, and the mapping onto
// tern::client_options.

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <set>

#include "tern/web/config.hpp"
#include "web/settings.hpp"

namespace tern::web::config_test {
namespace {

using namespace std::chrono_literals;
using detail::diagnostic;

detail::settings read(const config_source& src, std::vector<diagnostic>* log = nullptr, std::string_view prefix = "MQTT") {
  std::vector<diagnostic> local;
  return detail::read_settings(src, prefix, log ? *log : local);
}

client_options options(const config_map& m, std::string_view prefix = "MQTT") {
  std::vector<diagnostic> log;
  return detail::to_client_options(detail::read_settings(m, prefix, log), prefix, {"77", "host", "rrrrrrrr"});
}

// The message of the config_error thrown by reading `m`, or "" if none.
std::string error_of(const config_map& m) {
  try {
    (void)options(m);
  } catch (const config_error& e) {
    return e.what();
  }
  return "";
}

TEST(ConfigMap, StoresTypedValues) {
  config_map m{{"A", "text"}, {"B", 1883}, {"C", true}, {"D", 0.5}};
  m.set("E", 7u).set("F", "lit").set("G", std::string("s")).set("H", false);
  EXPECT_EQ(std::get<std::string>(*m.get("A")), "text");
  EXPECT_EQ(std::get<std::int64_t>(*m.get("B")), 1883);
  EXPECT_EQ(std::get<bool>(*m.get("C")), true);
  EXPECT_EQ(std::get<double>(*m.get("D")), 0.5);
  EXPECT_EQ(std::get<std::int64_t>(*m.get("E")), 7);
  EXPECT_EQ(std::get<std::string>(*m.get("F")), "lit");
  EXPECT_EQ(std::get<bool>(*m.get("H")), false);
  EXPECT_FALSE(m.get("Z"));
  EXPECT_TRUE(m.erase("A"));
  EXPECT_FALSE(m.erase("A"));
  EXPECT_EQ(m.keys().size(), 7u);
}

TEST(Settings, DefaultsOfEveryKey) {
  config_map empty;
  auto s = read(empty);
  EXPECT_EQ(s.client_id, "");
  EXPECT_EQ(s.broker_url, "localhost");
  EXPECT_EQ(s.broker_port, 1883);
  EXPECT_TRUE(s.broker_urls.empty());
  EXPECT_FALSE(s.username);
  EXPECT_FALSE(s.password);
  EXPECT_EQ(s.keepalive, 60);
  EXPECT_FALSE(s.tls_enabled);
  EXPECT_EQ(s.tls_ca_certs, "");
  EXPECT_EQ(s.tls_certfile, "");
  EXPECT_EQ(s.tls_keyfile, "");
  EXPECT_EQ(s.tls_cert_reqs, tls_options::requirement::required);
  EXPECT_EQ(s.tls_version, tls_options::version::tls1_2);
  EXPECT_EQ(s.tls_ciphers, "");
  EXPECT_FALSE(s.tls_insecure);
  EXPECT_TRUE(s.tls_alpn.empty());
  EXPECT_EQ(s.proxy_url, "");
  EXPECT_FALSE(s.last_will_topic);
  EXPECT_EQ(s.last_will_message, "");
  EXPECT_EQ(s.last_will_qos, qos::at_most_once);
  EXPECT_FALSE(s.last_will_retain);
  EXPECT_FALSE(s.websockets);
  EXPECT_EQ(s.websocket_path, "/mqtt");
  EXPECT_EQ(s.version, protocol_version::v3_1_1);
  EXPECT_TRUE(s.clean_session);
  EXPECT_EQ(s.connection_timeout, 30s);
  EXPECT_EQ(s.reconnect_delay_min, 1s);
  EXPECT_EQ(s.reconnect_delay_max, 120s);
  EXPECT_EQ(s.max_inflight, 20u);
  EXPECT_EQ(s.max_queued, 1000u);
  EXPECT_EQ(s.shared_group, "");
  EXPECT_EQ(s.read_interval, 0us);
  EXPECT_FALSE(s.read_interval_adaptive);

  auto o = options(empty);
  EXPECT_EQ(o.brokers, std::vector<std::string>{"mqtt://localhost:1883"});
  EXPECT_EQ(o.connect.client_id, "");  // the client generates a random one
  EXPECT_EQ(o.connect.keep_alive, 60);
  EXPECT_FALSE(o.connect.will);
  EXPECT_FALSE(o.connect.user_name);
}

TEST(Settings, EveryKeyIsRead) {
  config_map m{
      {"MQTT_CLIENT_ID", "id-{pid}"},    {"MQTT_BROKER_URL", "broker.example"},
      {"MQTT_BROKER_PORT", 8883},        {"MQTT_USERNAME", "u"},
      {"MQTT_PASSWORD", "p"},            {"MQTT_KEEPALIVE", 5},
      {"MQTT_TLS_ENABLED", true},        {"MQTT_TLS_CA_CERTS", "ca.pem"},
      {"MQTT_TLS_CERTFILE", "c.pem"},    {"MQTT_TLS_KEYFILE", "k.pem"},
      {"MQTT_TLS_CERT_REQS", "CERT_OPTIONAL"}, {"MQTT_TLS_VERSION", "PROTOCOL_TLSv1_3"},
      {"MQTT_TLS_CIPHERS", "HIGH"},      {"MQTT_TLS_INSECURE", true},
      {"MQTT_LAST_WILL_TOPIC", "w/t"},   {"MQTT_LAST_WILL_MESSAGE", 42},
      {"MQTT_LAST_WILL_QOS", 2},         {"MQTT_LAST_WILL_RETAIN", true},
      {"MQTT_TRANSPORT", "websockets"},  {"MQTT_WEBSOCKET_PATH", "/ws"},
      {"MQTT_PROTOCOL_VERSION", "MQTTv31"}, {"MQTT_CLEAN_SESSION", false},
      {"MQTT_CONNECTION_TIMEOUT", 2.5},  {"MQTT_RECONNECT_DELAY_MIN", "0.25"},
      {"MQTT_RECONNECT_DELAY_MAX", 9},   {"MQTT_MAX_INFLIGHT", 3},
      {"MQTT_MAX_QUEUED", 0},            {"MQTT_SHARED_GROUP", "workers"},
      {"MQTT_TLS_ALPN", "x-amzn-mqtt-ca, mqtt"}, {"MQTT_PROXY_URL", "socks5h://u:p%40ss@proxy.example"},
      {"MQTT_READ_INTERVAL", "0.0005"},
  };
  std::vector<diagnostic> log;
  auto s = read(m, &log);
  EXPECT_TRUE(log.empty()) << log.front().text;
  auto o = options(m);
  EXPECT_EQ(o.brokers, std::vector<std::string>{"wss://broker.example:8883"});
  EXPECT_EQ(o.websocket.path, "/ws");
  EXPECT_EQ(o.connect.client_id, "id-77");
  EXPECT_EQ(o.connect.user_name, "u");
  ASSERT_TRUE(o.connect.password);
  EXPECT_EQ(o.connect.password->size(), 1u);
  EXPECT_EQ(o.connect.keep_alive, 5);
  EXPECT_EQ(o.tls.ca_file, "ca.pem");
  EXPECT_EQ(o.tls.cert_file, "c.pem");
  EXPECT_EQ(o.tls.key_file, "k.pem");
  EXPECT_EQ(o.tls.cert_reqs, tls_options::requirement::optional);
  EXPECT_EQ(o.tls.min_version, tls_options::version::tls1_3);
  EXPECT_EQ(o.tls.ciphers, "HIGH");
  EXPECT_TRUE(o.tls.insecure);
  EXPECT_EQ(o.tls.alpn, (std::vector<std::string>{"x-amzn-mqtt-ca", "mqtt"}));
  EXPECT_EQ(o.proxy.url, "socks5h://u:p%40ss@proxy.example");
  EXPECT_EQ(o.read_interval, std::chrono::microseconds(500));  // to the microsecond, not the millisecond
  EXPECT_FALSE(o.adaptive_read_interval);
  ASSERT_TRUE(o.connect.will);
  EXPECT_EQ(o.connect.will->topic, "w/t");
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(o.connect.will->payload.data()), o.connect.will->payload.size()),
            "42");
  EXPECT_EQ(o.connect.will->qos, qos::exactly_once);
  EXPECT_TRUE(o.connect.will->retain);
  EXPECT_EQ(o.connect.version, protocol_version::v3_1);
  EXPECT_FALSE(o.connect.clean_session);
  EXPECT_EQ(o.transport_timeout, 2500ms);
  EXPECT_EQ(o.connect.connect_timeout, 2500ms);
  EXPECT_EQ(o.reconnect.min_delay, 250ms);
  EXPECT_EQ(o.reconnect.max_delay, 9s);
  EXPECT_EQ(o.session.max_inflight, 3u);
  EXPECT_EQ(o.session.max_queued, 0u);
  EXPECT_EQ(s.shared_group, "workers");
}

TEST(Settings, StringsAreParsedAsTheKeysType) {
  // As from the environment or an INI file.
  config_map m{{"MQTT_BROKER_PORT", " 1884 "}, {"MQTT_TLS_ENABLED", "yes"}, {"MQTT_KEEPALIVE", "0"},
               {"MQTT_CLEAN_SESSION", "Off"}, {"MQTT_CLIENT_ID", "fixed"}, {"MQTT_BROKER_URLS", "a:1, mqtt://b:2 ,"},
               {"MQTT_TLS_CERT_REQS", "none"}, {"MQTT_PROTOCOL_VERSION", "mqttv311"}, {"MQTT_LAST_WILL_TOPIC", "w"},
               {"MQTT_LAST_WILL_QOS", "1"}};
  auto o = options(m);
  EXPECT_EQ(o.brokers, (std::vector<std::string>{"mqtts://a:1", "mqtt://b:2"}));
  EXPECT_EQ(o.connect.keep_alive, 0);
  EXPECT_FALSE(o.connect.clean_session);
  EXPECT_EQ(o.tls.cert_reqs, tls_options::requirement::none);
  EXPECT_EQ(o.connect.version, protocol_version::v3_1_1);
  EXPECT_EQ(o.connect.will->qos, qos::at_least_once);
  EXPECT_EQ(read(m).broker_port, 1884);
}

TEST(Settings, ReadIntervalAutoIsTheAdaptiveIntervalOfAtMostAMillisecond) {
  for (auto text : {"auto", " AUTO ", "Auto"}) {
    auto o = options({{"MQTT_READ_INTERVAL", text}});
    EXPECT_EQ(o.read_interval, 1ms) << text;
    EXPECT_TRUE(o.adaptive_read_interval) << text;
  }
  auto fixed = options({{"MQTT_READ_INTERVAL", "0.002"}});
  EXPECT_EQ(fixed.read_interval, 2ms);
  EXPECT_FALSE(fixed.adaptive_read_interval);
  for (auto bad : {"automatic", "soon", ""}) {
    auto e = error_of({{"MQTT_READ_INTERVAL", bad}});
    EXPECT_NE(e.find("MQTT_READ_INTERVAL"), std::string::npos) << bad << ": " << e;
    EXPECT_NE(e.find("or auto"), std::string::npos) << bad << ": " << e;
  }
}

TEST(Settings, PythonStyleNumbersForChoices) {
  config_map m{{"MQTT_TLS_CERT_REQS", 0}, {"MQTT_PROTOCOL_VERSION", 3}, {"MQTT_TLS_ENABLED", true}};
  auto o = options(m);
  EXPECT_EQ(o.tls.cert_reqs, tls_options::requirement::none);
  EXPECT_EQ(o.connect.version, protocol_version::v3_1);
}

TEST(Settings, LastWillNumbersBecomeDecimalText) {
  for (auto [v, text] : std::vector<std::pair<config_value, std::string>>{
           {std::int64_t{-7}, "-7"}, {1.5, "1.5"}, {std::string("bye"), "bye"}}) {
    config_map m{{"MQTT_LAST_WILL_TOPIC", "w"}, {"MQTT_LAST_WILL_MESSAGE", v}};
    auto p = options(m).connect.will->payload;
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(p.data()), p.size()), text);
  }
}

TEST(Settings, EmptyUserNameMeansNoAuthentication) {
  // The reference's own example sets both to ''.
  config_map m{{"MQTT_USERNAME", ""}, {"MQTT_PASSWORD", ""}};
  auto o = options(m);
  EXPECT_FALSE(o.connect.user_name);
  EXPECT_FALSE(o.connect.password);
}

TEST(Settings, BrokerUriForms) {
  EXPECT_EQ(options({{"MQTT_BROKER_URL", "::1"}}).brokers.front(), "mqtt://[::1]:1883");
  EXPECT_EQ(options({{"MQTT_BROKER_URL", "h"}, {"MQTT_TRANSPORT", "websockets"}, {"MQTT_BROKER_PORT", 80}}).brokers.front(),
            "ws://h:80");
  EXPECT_EQ(options({{"MQTT_BROKER_URL", "h"}, {"MQTT_TLS_ENABLED", "true"}, {"MQTT_BROKER_PORT", 8883}}).brokers.front(),
            "mqtts://h:8883");
  EXPECT_EQ(options({{"MQTT_BROKER_URL", "mqtt://given:1"}}).brokers.front(), "mqtt://given:1");
  EXPECT_EQ(options({{"MQTT_BROKER_URLS", std::vector<std::string>{"x", "wss://y/p"}}}).brokers,
            (std::vector<std::string>{"mqtt://x", "wss://y/p"}));
}

TEST(Settings, WrongTypesAreErrorsNamingTheKey) {
  struct bad {
    const char* key;
    config_value value;
  };
  std::vector<bad> cases{
      {"MQTT_BROKER_PORT", std::string("abc")},  {"MQTT_BROKER_PORT", std::int64_t{0}},
      {"MQTT_BROKER_PORT", std::int64_t{65536}}, {"MQTT_BROKER_PORT", true},
      {"MQTT_BROKER_PORT", 1883.5},              {"MQTT_KEEPALIVE", std::int64_t{-1}},
      {"MQTT_KEEPALIVE", std::string("")},       {"MQTT_TLS_ENABLED", std::string("maybe")},
      {"MQTT_TLS_ENABLED", std::int64_t{1}},     {"MQTT_CLIENT_ID", std::int64_t{5}},
      {"MQTT_BROKER_URL", true},                 {"MQTT_BROKER_URL", std::string(" ")},
      {"MQTT_TLS_CERT_REQS", std::string("always")}, {"MQTT_TLS_VERSION", std::string("TLSv1")},
      {"MQTT_TLS_VERSION", std::string("PROTOCOL_TLSv1_1")}, {"MQTT_LAST_WILL_QOS", std::int64_t{3}},
      {"MQTT_LAST_WILL_MESSAGE", true},          {"MQTT_TRANSPORT", std::string("udp")},
      {"MQTT_PROTOCOL_VERSION", std::string("MQTTv5")}, {"MQTT_PROTOCOL_VERSION", std::int64_t{5}},
      {"MQTT_CONNECTION_TIMEOUT", std::string("soon")}, {"MQTT_CONNECTION_TIMEOUT", -1.0},
      {"MQTT_CONNECTION_TIMEOUT", std::int64_t{0}}, {"MQTT_RECONNECT_DELAY_MIN", true},
      {"MQTT_MAX_INFLIGHT", std::int64_t{0}},    {"MQTT_MAX_QUEUED", std::int64_t{-1}},
      {"MQTT_BROKER_URLS", std::int64_t{1}},     {"MQTT_SHARED_GROUP", std::string("a/b")},
      {"MQTT_WEBSOCKET_PATH", std::string("mqtt")}, {"MQTT_CLIENT_ID", std::string("{user}")},
      {"MQTT_USERNAME", std::vector<std::string>{"a"}},
      {"MQTT_PROXY_URL", std::string("https://proxy")}, {"MQTT_PROXY_URL", std::string("http://p:0")},
      {"MQTT_TLS_ALPN", std::vector<std::string>{std::string(256, 'a')}},
      {"MQTT_READ_INTERVAL", 1.5},               {"MQTT_READ_INTERVAL", -0.001},
  };
  for (const auto& c : cases) {
    config_map m;
    m.set(c.key, c.value);
    auto e = error_of(m);
    EXPECT_NE(e.find(c.key), std::string::npos) << c.key << ": '" << e << "'";
  }
  // Keys that depend on others.
  EXPECT_NE(error_of({{"MQTT_PASSWORD", "p"}}).find("MQTT_PASSWORD"), std::string::npos);
  EXPECT_NE(error_of({{"MQTT_CLEAN_SESSION", false}}).find("MQTT_CLIENT_ID"), std::string::npos);
  EXPECT_NE(error_of({{"MQTT_RECONNECT_DELAY_MIN", 10}, {"MQTT_RECONNECT_DELAY_MAX", 5}}).find("MQTT_RECONNECT_DELAY_MAX"),
            std::string::npos);
  // A bad proxy URL is not quoted back: it may hold a password.
  EXPECT_EQ(error_of({{"MQTT_PROXY_URL", "socks4://user:hunter2@p"}}).find("hunter2"), std::string::npos);
  // null is "unset": the default applies.
  EXPECT_EQ(error_of({{"MQTT_BROKER_PORT", std::monostate{}}}), "");
}

TEST(Settings, UnknownKeysAreReportedWithTheClosestKnownKey) {
  config_map m{{"MQTT_BROKER_ULR", "x"}, {"MQTT_broker_url", "y"}, {"mqtt_keepalive", 5}, {"MQTT_KEEPALIV", 5},
               {"MQTT2_BROKER_URL", "other"}, {"MQTTX", 1}, {"OTHER", 1}, {"MQTT_BROKER_PORT", 1}};
  std::vector<diagnostic> log;
  read(m, &log);
  std::set<std::string> lines;
  for (const auto& d : log) {
    EXPECT_EQ(d.level, log_level::warning);
    lines.insert(d.text);
  }
  EXPECT_EQ(lines.size(), 4u);
  EXPECT_TRUE(lines.count("unknown configuration key MQTT_BROKER_ULR is ignored; did you mean MQTT_BROKER_URL?"));
  EXPECT_TRUE(lines.count("unknown configuration key MQTT_broker_url is ignored; did you mean MQTT_BROKER_URL?"));
  EXPECT_TRUE(lines.count("unknown configuration key mqtt_keepalive is ignored; did you mean MQTT_KEEPALIVE?"));
  EXPECT_TRUE(lines.count("unknown configuration key MQTT_KEEPALIV is ignored; did you mean MQTT_KEEPALIVE?"));
}

TEST(Settings, OtherPrefixesBelongToOtherInstances) {
  config_map m{{"MQTT_BROKER_URL", "one"}, {"MQTT2_BROKER_URL", "two"}, {"MQTT2_BROKER_PORT", 1884}};
  std::vector<diagnostic> log;
  auto first = read(m, &log, "MQTT");
  auto second = read(m, &log, "MQTT2");
  EXPECT_TRUE(log.empty());
  EXPECT_EQ(first.broker_url, "one");
  EXPECT_EQ(second.broker_url, "two");
  EXPECT_EQ(second.broker_port, 1884);
  EXPECT_EQ(first.broker_port, 1883);
}

TEST(Settings, KeysWithoutEffectAreReported) {
  config_map m{{"MQTT_TLS_CA_CERTS", "ca.pem"}, {"MQTT_LAST_WILL_MESSAGE", "bye"}};
  std::vector<diagnostic> log;
  read(m, &log);
  ASSERT_EQ(log.size(), 2u);
  EXPECT_NE(log[0].text.find("MQTT_TLS_CA_CERTS has no effect"), std::string::npos);
  EXPECT_NE(log[1].text.find("MQTT_LAST_WILL_MESSAGE has no effect"), std::string::npos);
}

TEST(EnvConfig, ReadsTheEnvironment) {
  ::setenv("TERN_WEB_TEST_BROKER_PORT", "2883", 1);
  ::setenv("TERN_WEB_TEST_BROKER_ULR", "typo", 1);
  env_config env;
  ::unsetenv("TERN_WEB_TEST_BROKER_PORT");
  ::unsetenv("TERN_WEB_TEST_BROKER_ULR");
  std::vector<diagnostic> log;
  auto s = read(env, &log, "TERN_WEB_TEST");
  EXPECT_EQ(s.broker_port, 2883);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_NE(log[0].text.find("did you mean TERN_WEB_TEST_BROKER_URL?"), std::string::npos);
}

TEST(JsonConfig, ParsesAFlatObject) {
  auto m = parse_json_config(R"({
    "MQTT_BROKER_URL": "h\u00e9\n",
    "MQTT_BROKER_PORT": 1883, "N": -2.5e1, "T": true, "F": false, "Z": null,
    "L": ["a", "b\"c"], "E": [], "S": "\ud83d\ude00"
  })");
  EXPECT_EQ(std::get<std::string>(*m.get("MQTT_BROKER_URL")), "h\xc3\xa9\n");
  EXPECT_EQ(std::get<std::int64_t>(*m.get("MQTT_BROKER_PORT")), 1883);
  EXPECT_EQ(std::get<double>(*m.get("N")), -25.0);
  EXPECT_EQ(std::get<bool>(*m.get("T")), true);
  EXPECT_EQ(std::get<bool>(*m.get("F")), false);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(*m.get("Z")));
  EXPECT_EQ(std::get<std::vector<std::string>>(*m.get("L")), (std::vector<std::string>{"a", "b\"c"}));
  EXPECT_TRUE(std::get<std::vector<std::string>>(*m.get("E")).empty());
  EXPECT_EQ(std::get<std::string>(*m.get("S")), "\xf0\x9f\x98\x80");
  EXPECT_TRUE(parse_json_config(" {} ").keys().empty());
}

TEST(JsonConfig, IsStrict) {
  for (const char* bad : {"", "[]", "{", R"({"a":1,})", R"({"a":1} x)", R"({"a":{}})", R"({"a":[1]})",
                          R"({"a":1,"a":2})", R"({a:1})", R"({"a":01})", R"({"a":1.})", R"({"a":"\x"})",
                          R"({"a":"\ud800"})", "{\"a\":\"\x01\"}", R"({"a":tru})", "{\"a\":1 // c\n}",
                          R"({"a":99999999999999999999})"}) {
    EXPECT_THROW(parse_json_config(bad), config_error) << bad;
  }
  try {
    parse_json_config("{\n\"a\": 1,\n\"a\": 2}", "cfg.json");
    FAIL();
  } catch (const config_error& e) {
    EXPECT_EQ(std::string(e.what()), "cfg.json:3: duplicate key a");
  }
}

TEST(IniConfig, ParsesKeyValueLines) {
  auto m = parse_ini_config("# comment\n; other\n\nMQTT_BROKER_URL = broker \r\nMQTT_PASSWORD=\" sp \\\"q\\\" \"\nE=\n");
  EXPECT_EQ(std::get<std::string>(*m.get("MQTT_BROKER_URL")), "broker");
  EXPECT_EQ(std::get<std::string>(*m.get("MQTT_PASSWORD")), " sp \"q\" ");
  EXPECT_EQ(std::get<std::string>(*m.get("E")), "");
}

TEST(IniConfig, IsStrict) {
  for (const char* bad : {"[mqtt]\nA=1", "A", "=1", "A=1\nA=2", "A=\"open"}) {
    EXPECT_THROW(parse_ini_config(bad), config_error) << bad;
  }
  try {
    parse_ini_config("A=1\n\nB", "x.ini");
    FAIL();
  } catch (const config_error& e) {
    EXPECT_EQ(std::string(e.what()), "x.ini:3: expected KEY = value");
  }
}

TEST(ConfigFile, LoadsByExtension) {
  auto dir = ::testing::TempDir();
  {
    std::ofstream(dir + "/tern_web.json") << R"({"MQTT_BROKER_PORT": 1999})";
    std::ofstream(dir + "/tern_web.ini") << "MQTT_BROKER_PORT = 2999\n";
    std::ofstream(dir + "/tern_web.yaml") << "x: 1\n";
  }
  EXPECT_EQ(read(load_config_file(dir + "/tern_web.json")).broker_port, 1999);
  EXPECT_EQ(read(load_config_file(dir + "/tern_web.ini")).broker_port, 2999);
  EXPECT_THROW(load_config_file(dir + "/tern_web.yaml"), config_error);
  EXPECT_THROW(load_config_file(dir + "/missing.json"), config_error);
}

TEST(ConfigKeys, DocsHoldTheGeneratedTable) {
  // One table for parsing, typo detection and docs: docs/web.md must show it as generated.
  std::ifstream in(std::string(TERN_SOURCE_ROOT) + "/docs/web.md");
  ASSERT_TRUE(in) << "docs/web.md";
  std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto table = config_keys_markdown("MQTT");
  EXPECT_NE(doc.find(table), std::string::npos) << "docs/web.md lacks the table; generate it with "
                                                   "tern::web::config_keys_markdown():\n"
                                                << table;
  EXPECT_EQ(config_keys().size(), 35u);
}

}  // namespace
}  // namespace tern::web::config_test
