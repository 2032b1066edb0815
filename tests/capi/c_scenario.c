/* What a C program does with <tern/tern.h>, compiled as C11 (so the header
 * is checked to be C): connect to a broker, subscribe, publish to itself,
 * receive, unsubscribe, disconnect; once with the facade's handler thread,
 * once dispatching on the calling thread from a poll() loop. Each returns
 * NULL, or the first check that failed. */
#define _POSIX_C_SOURCE 200809L

#include "c_scenario.h"

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <tern/tern.h>

#define STR2(x) #x
#define STR(x) STR2(x)
#define CHECK(cond)                                                   \
  do {                                                                \
    if (!(cond)) {                                                    \
      failed = __FILE__ ":" STR(__LINE__) ": " #cond;                 \
      goto out;                                                       \
    }                                                                 \
  } while (0)

enum { max_messages = 4, wait_ms = 5000 };

/* What the handlers saw. Only the handler thread writes a message slot, then
 * publishes it by raising `messages` (release); the test reads slots below
 * the count it loaded (acquire). */
struct seen {
  atomic_int connects, connect_rc, disconnects, disconnect_rc, subacks, granted, publishes, unsubacks;
  atomic_int messages, other_messages, wrong_thread;
  atomic_uint last_published_mid;
  struct {
    char topic[64];
    unsigned char payload[16];
    size_t topic_len, payload_len;
    int qos, payload_nul_terminated;
  } message[max_messages];
  int dispatching;       /* external dispatch: set while this thread runs run_pending */
  pthread_t test_thread; /* the thread that runs the scenario */
};

static void sleep_ms(long ms) {
  struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&t, NULL);
}

/* Waits until *counter reaches `at_least`; in external dispatch, runs the
 * handlers meanwhile, waking on the dispatch descriptor. */
static int wait_for(tern_mqtt* m, struct seen* s, atomic_int* counter, int at_least) {
  int fd = tern_mqtt_dispatch_fd(m);
  for (int waited = 0; waited < wait_ms; waited += 5) {
    if (atomic_load(counter) >= at_least) return 1;
    if (fd >= 0) {
      struct pollfd p = {fd, POLLIN, 0};
      if (poll(&p, 1, 5) > 0) {
        s->dispatching = 1;
        tern_mqtt_run_pending(m, 0);
        s->dispatching = 0;
      }
    } else {
      sleep_ms(5);
    }
  }
  return atomic_load(counter) >= at_least;
}

/* Handlers run on the facade's own thread, or with external dispatch on
 * the thread that calls run_pending, inside that call. */
static void check_thread(struct seen* s, tern_mqtt* m) {
  int on_test_thread = pthread_equal(pthread_self(), s->test_thread) != 0;
  int external = tern_mqtt_dispatch_fd(m) >= 0;
  if (external ? !(on_test_thread && s->dispatching) : on_test_thread) atomic_fetch_add(&s->wrong_thread, 1);
}

static void on_connect(tern_mqtt* m, void* userdata, int session_present, int rc) {
  struct seen* s = userdata;
  (void)session_present;
  check_thread(s, m);
  atomic_store(&s->connect_rc, rc);
  atomic_fetch_add(&s->connects, 1);
}

static void on_disconnect(tern_mqtt* m, void* userdata, int rc) {
  struct seen* s = userdata;
  check_thread(s, m);
  atomic_store(&s->disconnect_rc, rc);
  atomic_fetch_add(&s->disconnects, 1);
}

static void on_subscribe(tern_mqtt* m, void* userdata, uint16_t mid, const int* granted, size_t count) {
  struct seen* s = userdata;
  (void)mid;
  check_thread(s, m);
  atomic_store(&s->granted, count == 1 ? granted[0] : -1);
  atomic_fetch_add(&s->subacks, 1);
}

static void on_publish(tern_mqtt* m, void* userdata, uint16_t mid) {
  struct seen* s = userdata;
  check_thread(s, m);
  atomic_store(&s->last_published_mid, mid);
  atomic_fetch_add(&s->publishes, 1);
}

static void on_unsubscribe(tern_mqtt* m, void* userdata, uint16_t mid) {
  struct seen* s = userdata;
  (void)mid;
  check_thread(s, m);
  atomic_fetch_add(&s->unsubacks, 1);
}

static void on_api_topic(tern_mqtt* m, void* userdata, const tern_message* msg) {
  struct seen* s = userdata;
  int i = atomic_load(&s->messages);
  check_thread(s, m);
  if (i >= max_messages || msg->topic_len >= sizeof s->message[i].topic ||
      msg->payload_len > sizeof s->message[i].payload)
    return;
  memcpy(s->message[i].topic, msg->topic, msg->topic_len + 1);
  memcpy(s->message[i].payload, msg->payload, msg->payload_len);
  s->message[i].topic_len = msg->topic_len;
  s->message[i].payload_len = msg->payload_len;
  s->message[i].qos = msg->qos;
  s->message[i].payload_nul_terminated = ((const char*)msg->payload)[msg->payload_len] == '\0';
  atomic_store_explicit(&s->messages, i + 1, memory_order_release);
}

static void on_other_message(tern_mqtt* m, void* userdata, const tern_message* msg) {
  struct seen* s = userdata;
  check_thread(s, m);
  if (msg->topic_len == strlen("c/other") && strcmp(msg->topic, "c/other") == 0 && msg->payload_len == 4 &&
      strcmp(msg->payload, "text") == 0)
    atomic_fetch_add(&s->other_messages, 1);
}

static const char* scenario(unsigned flags, int port, const char* client_id) {
  static const unsigned char binary[4] = {0x00, 'a', 0xff, 0x00};
  static struct seen s;
  const char* failed = NULL;
  char text[128], port_text[16];
  uint16_t mid = 0, sub_mid = 0;
  tern_status st;
  tern_mqtt* m = tern_mqtt_new(flags);

  memset(&s, 0, sizeof s);
  s.test_thread = pthread_self();
  snprintf(port_text, sizeof port_text, "%d", port);
  CHECK(m != NULL);
  CHECK(tern_mqtt_config_set(m, "MQTT_BROKER_URL", "127.0.0.1") == TERN_ERR_SUCCESS);
  CHECK(tern_mqtt_config_set(m, "MQTT_BROKER_PORT", port_text) == TERN_ERR_SUCCESS);
  CHECK(tern_mqtt_config_set(m, "MQTT_CLIENT_ID", client_id) == TERN_ERR_SUCCESS);
  CHECK(tern_mqtt_config_set(m, "MQTT_CONNECTION_TIMEOUT", "5") == TERN_ERR_SUCCESS);
  CHECK(tern_mqtt_on_connect(m, on_connect, &s) != 0);
  CHECK(tern_mqtt_on_disconnect(m, on_disconnect, &s) != 0);
  CHECK(tern_mqtt_on_subscribe(m, on_subscribe, &s) != 0);
  CHECK(tern_mqtt_on_publish(m, on_publish, &s) != 0);
  CHECK(tern_mqtt_on_unsubscribe(m, on_unsubscribe, &s) != 0);
  CHECK(tern_mqtt_on_topic(m, "c/api/#", on_api_topic, &s) != 0);
  CHECK(tern_mqtt_on_message(m, on_other_message, &s) != 0);

  /* Before init_app a subscription is remembered and sent once connected. */
  CHECK(tern_mqtt_subscribe(m, "c/#", 1, &sub_mid) == TERN_ERR_NO_CONN);
  CHECK(tern_mqtt_init_app(m, NULL) == TERN_ERR_SUCCESS);
  CHECK(wait_for(m, &s, &s.connects, 1));
  CHECK(atomic_load(&s.connect_rc) == 0);
  CHECK(tern_mqtt_status(m, &st) == TERN_ERR_SUCCESS && st.connected == 1 && st.last_connack_code == 0);
  CHECK(wait_for(m, &s, &s.subacks, 1));
  CHECK(atomic_load(&s.granted) == 1);

  CHECK(tern_mqtt_publish(m, "c/api/bin", binary, sizeof binary, 1, 0, &mid) == TERN_ERR_SUCCESS);
  CHECK(mid != 0);
  CHECK(tern_mqtt_publish(m, "c/other", "text", 4, 0, 0, NULL) == TERN_ERR_SUCCESS);
  CHECK(wait_for(m, &s, &s.messages, 1));
  CHECK(wait_for(m, &s, &s.other_messages, 1));
  CHECK(wait_for(m, &s, &s.publishes, 2));
  CHECK(atomic_load_explicit(&s.messages, memory_order_acquire) == 1);
  CHECK(strcmp(s.message[0].topic, "c/api/bin") == 0 && s.message[0].topic_len == 9);
  CHECK(s.message[0].payload_len == sizeof binary && memcmp(s.message[0].payload, binary, sizeof binary) == 0);
  CHECK(s.message[0].payload_nul_terminated);
  CHECK(s.message[0].qos == 1);

  CHECK(tern_mqtt_client_id(m, text, sizeof text) == strlen(client_id) && strcmp(text, client_id) == 0);
  CHECK(tern_mqtt_client_id(m, text, 5) == strlen(client_id) && strlen(text) == 4);

  CHECK(tern_mqtt_unsubscribe(m, "c/#", &mid) == TERN_ERR_SUCCESS && mid != 0);
  CHECK(wait_for(m, &s, &s.unsubacks, 1));
  CHECK(tern_mqtt_unsubscribe(m, "c/#", &mid) == TERN_ERR_NOT_FOUND && mid == 0);
  CHECK(tern_mqtt_error_detail(m, text, sizeof text) > 0 && strstr(text, "not subscribed") != NULL);

  CHECK(tern_mqtt_disconnect(m) == TERN_ERR_SUCCESS);
  CHECK(wait_for(m, &s, &s.disconnects, 1));
  CHECK(atomic_load(&s.disconnect_rc) == TERN_ERR_SUCCESS);
  CHECK(atomic_load(&s.wrong_thread) == 0);
out:
  tern_mqtt_destroy(m);
  return failed;
}

const char* tern_c_scenario_own_thread(int port) { return scenario(0, port, "c-api-own-thread"); }

const char* tern_c_scenario_external_dispatch(int port) {
  return scenario(TERN_EXTERNAL_DISPATCH | TERN_CONNECT_ASYNC, port, "c-api-external");
}
