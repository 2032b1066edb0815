/* A C program of a tern user, built against an installed tern through its
 * C API: by CMake (tern::tern), by meson (dependency('tern')) and by a bare
 * `cc` with pkg-config. It connects to the broker at argv[1] (host:port),
 * subscribes, publishes a QoS 1 message to itself and waits for it. Exit 0
 * when it came back. */
#define _POSIX_C_SOURCE 200809L

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <tern/tern.h>

static atomic_int came_back;

static void on_message(tern_mqtt* m, void* expected, const tern_message* msg) {
  (void)m;
  if (msg->payload_len == strlen(expected) && memcmp(msg->payload, expected, msg->payload_len) == 0)
    atomic_store(&came_back, 1);
}

int main(int argc, char** argv) {
  char topic[64], payload[] = "from C", why[256];
  const char* colon = argc == 2 ? strrchr(argv[1], ':') : NULL;
  struct timespec tick = {0, 10 * 1000000L};
  int rc = 1;
  tern_mqtt* m;
  if (colon == NULL) {
    fprintf(stderr, "usage: %s HOST:PORT\n", argv[0]);
    return 2;
  }
  m = tern_mqtt_new(0);
  if (m == NULL) return 1;
  snprintf(topic, sizeof topic, "tern/c-consumer/%ld", (long)getpid());
  snprintf(why, sizeof why, "%.*s", (int)(colon - argv[1]), argv[1]);
  tern_mqtt_config_set(m, "MQTT_BROKER_URL", why);
  tern_mqtt_config_set(m, "MQTT_BROKER_PORT", colon + 1);
  tern_mqtt_on_topic(m, topic, on_message, payload);
  tern_mqtt_subscribe(m, topic, 1, NULL);
  if (tern_mqtt_init_app(m, NULL) != TERN_ERR_SUCCESS) {
    tern_mqtt_error_detail(m, why, sizeof why);
    fprintf(stderr, "c_consumer: %s\n", why);
  } else {
    int waited;
    tern_mqtt_publish(m, topic, payload, strlen(payload), 1, 0, NULL);
    for (waited = 0; waited < 500 && !atomic_load(&came_back); ++waited) nanosleep(&tick, NULL);
    rc = atomic_load(&came_back) ? 0 : 1;
    printf(rc == 0 ? "C API %s: received its own message\n" : "C API %s: its message did not come back\n",
           tern_version());
  }
  tern_mqtt_destroy(m);
  return rc;
}
