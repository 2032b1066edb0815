"""A FastAPI app for tests/python/test_fastapi_mqtt.py, run by uvicorn.
Configured from the environment:

MQTT_*           tern_fastapi's configuration keys (the private mosquitto)
TERN_TEST_TOPIC  subscribed to (with /#) before startup
TERN_TEST_OUT    a file: one line per handled message, its payload; a payload
                 starting with "slow" takes its async handler 0.3 s first
"""

import asyncio
import os

from fastapi import FastAPI

from tern_fastapi import FastMQTT

mqtt = FastMQTT(config=os.environ)
app = FastAPI()
mqtt.init_app(app)
TOPIC = os.environ["TERN_TEST_TOPIC"]
OUT = os.environ["TERN_TEST_OUT"]
granted = []
mqtt.subscribe(TOPIC + "/#", qos=1)


@mqtt.on_subscribe()
def subscribed(client, userdata, mid, granted_qos):
    granted.extend(granted_qos)


@mqtt.on_message()
async def handle(client, userdata, message):
    text = message.payload.decode()
    if text.startswith("slow"):
        await asyncio.sleep(0.3)
    with open(OUT, "a") as f:
        f.write(text + "\n")


@app.get("/status")
def status():
    return dict(mqtt.status(), granted=granted)
