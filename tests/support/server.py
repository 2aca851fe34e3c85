"""Starts a real switchboard process for a test and tells its port."""
import json
import os
import subprocess
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFIG = os.path.join(ROOT, "tests", "support", "test.toml")


def config_with(server_lines="", replacements=()):
    """The test configuration with lines added to its [server] table and (old, new) text
    replacements made; returns the path of the new file."""
    with open(CONFIG) as f:
        text = f.read()
    if server_lines:
        text = text.replace("[server]\n", "[server]\n" + server_lines + "\n", 1)
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = os.path.join(tempfile.mkdtemp(prefix="sb-config-"), "switchboard.toml")
    with open(path, "w") as f:
        f.write(text)
    return path


class Server:
    """A switchboard child process on a free port; use as a context manager."""

    def __init__(self, binary=None, threads=1, env=None, config=CONFIG, tls_dir=None, port=0):
        self.binary = binary or os.environ.get("SWITCHBOARD_BIN", os.path.join(ROOT, "build", "switchboard"))
        self.threads = threads
        self.config = config
        self.env = dict(os.environ)
        self.env["LOG_LEVEL"] = "info"
        # Each test server keeps its store in a fresh temporary file.
        self.env.setdefault("SWITCHBOARD_DB", os.path.join(tempfile.mkdtemp(prefix="sb-test-"), "switchboard.db"))
        # tls_dir: certificates made by scripts/make-cert.sh; every port then speaks TLS.
        self.tls_dir = tls_dir
        if tls_dir:
            self.env["SWITCHBOARD_TLS_CERT"] = os.path.join(tls_dir, "cert.pem")
            self.env["SWITCHBOARD_TLS_KEY"] = os.path.join(tls_dir, "key.pem")
        self.env.update(env or {})  # may raise the log level
        self.proc = None
        self.port = None
        self.fixed_port = port  # a restart test starts a second server on the first one's port
        self.preexec = None  # runs in the child before exec (resource limits)

    def __enter__(self):
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--config", self.config, "--port", str(self.fixed_port), "--threads",
             str(self.threads)],
            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, env=self.env, text=True, preexec_fn=self.preexec)
        deadline = time.time() + 20
        while time.time() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                raise RuntimeError("switchboard exited before listening (code %s)" % self.proc.poll())
            if '"server.listening"' in line:
                listening = json.loads(line)
                self.port = int(listening["port"])
                self.write_path = listening.get("write_path")
                # A suite run on the io_uring write path must not pass on send() unnoticed.
                wanted = self.env.get("SWITCHBOARD_WRITE_PATH")
                if wanted and listening.get("write_path") != wanted:
                    self.proc.kill()
                    raise RuntimeError("asked for write_path %s, the server uses %s" % (wanted, listening.get("write_path")))
                # Keep draining the log so the server never blocks on a full pipe.
                self.log = []
                threading.Thread(target=self._drain, daemon=True).start()
                return self
        raise RuntimeError("switchboard did not start listening")

    def _drain(self):
        for line in self.proc.stderr:
            self.log.append(line)

    def url(self, path="/ws"):
        return "%s://127.0.0.1:%d%s" % ("wss" if self.tls_dir else "ws", self.port, path)

    def token(self, user, *extra):
        out = subprocess.run([self.binary, "token", "--config", self.config, "--user", user, *extra],
                             check=True, capture_output=True, text=True, env=self.env)
        return out.stdout.strip()

    def stop(self):
        """SIGTERM, then wait: returns the exit code."""
        if self.proc.poll() is None:
            self.proc.terminate()
        return self.proc.wait(timeout=15)

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.stop()
