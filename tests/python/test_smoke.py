"""The shortest path through tern_flask: the reference's first example."""

from conftest import eventually


def test_connect_subscribe_publish_receive(broker, make_app, mqtts, topic):
    from tern_flask import MQTT_ERR_SUCCESS, Mqtt

    app = make_app(broker.config())
    mqtt = Mqtt(app)
    mqtts.append(mqtt)
    got = []

    @mqtt.on_message()
    def handle_mqtt_message(client, userdata, message):
        got.append((message.topic, message.payload.decode()))

    assert mqtt.connected
    assert mqtt.subscribe(topic)[0] == MQTT_ERR_SUCCESS
    # Same connection: the broker handles the SUBSCRIBE before the PUBLISH.
    result, mid = mqtt.publish(topic, "hello world", qos=1)
    assert result == MQTT_ERR_SUCCESS and mid
    assert eventually(lambda: got == [(topic, "hello world")])
