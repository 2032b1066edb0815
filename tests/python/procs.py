"""A process tree the tests start and must always stop: gunicorn with its
workers, Flask's reloader with its serving process, a web app."""

import os
import signal
import subprocess
import tempfile


class ProcessGroup:
    """``args`` run in a session of their own, so that ``stop()`` reaches every
    process they start; their output goes to a file, read at the end."""

    def __init__(self, args, cwd, env):
        self.log = tempfile.TemporaryFile("w+")  # not a pipe: nobody reads it until the end
        self.proc = subprocess.Popen(args, cwd=cwd, env=env, start_new_session=True, stdout=self.log,
                                     stderr=subprocess.STDOUT, text=True)
        self.output = None

    @property
    def pid(self):
        return self.proc.pid

    def stop(self):
        """SIGTERM to every process of the session, SIGKILL to what is left
        after 10 s; returns what they printed. Safe to call again."""
        if self.output is None:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                try:
                    os.killpg(self.proc.pid, sig)
                except ProcessLookupError:
                    pass
                try:
                    self.proc.wait(timeout=10)
                    if sig == signal.SIGTERM:
                        # The leader went; anything it left behind goes now.
                        try:
                            os.killpg(self.proc.pid, signal.SIGKILL)
                        except ProcessLookupError:
                            pass
                    break
                except subprocess.TimeoutExpired:
                    continue
            self.log.seek(0)
            self.output = self.log.read()
            self.log.close()
        return self.output
