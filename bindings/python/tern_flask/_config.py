"""Reading a Flask app's configuration for tern_flask."""

import re

_TEMPLATE_UNIQUE = re.compile(r"\{(pid|random)\}")


# Where the Python packages' defaults differ from the C++ facade's. A
# message handed to Python costs the receiving process a wake-up of the
# reader and of the interpreter's thread, several microseconds, so on a busy
# live stream gathering messages pays for up to a millisecond of latency
# (the adaptive read interval never holds a stream slower than 4,000 msgs/s).
PYTHON_DEFAULTS = {"READ_INTERVAL": "auto"}


def snapshot(config, prefix):
    """The entries of ``config`` under ``prefix`` (any case, so typos reach
    the typo report), copied: later changes to app.config are not seen;
    with PYTHON_DEFAULTS for the keys not given (or given as None)."""
    upper = prefix.upper()
    cfg = {k: v for k, v in config.items() if isinstance(k, str) and k.upper().startswith(upper)}
    for suffix, value in PYTHON_DEFAULTS.items():
        key = "%s_%s" % (prefix, suffix)
        if cfg.get(key) is None:
            cfg[key] = value
    return cfg


def client_id_is_per_process(cfg, prefix):
    """Whether a new process gets a client id of its own from this
    configuration: none set (random), or a template with {pid} or {random}."""
    cid = cfg.get(prefix + "_CLIENT_ID")
    if cid is None or cid == "":
        return True
    return isinstance(cid, str) and _TEMPLATE_UNIQUE.search(cid) is not None


def broker_text(cfg, prefix):
    """Where the configuration says the broker is, for messages."""
    urls = cfg.get(prefix + "_BROKER_URLS")
    if urls:
        return ", ".join(urls) if isinstance(urls, (list, tuple)) else str(urls)
    host = cfg.get(prefix + "_BROKER_URL") or "localhost"
    port = cfg.get(prefix + "_BROKER_PORT") or 1883
    return "%s:%s" % (host, port)
