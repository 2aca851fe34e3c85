"""Certificates for the TLS tests, made by the project's own scripts/make-cert.sh."""
import os
import ssl
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def make_certs(directory=None):
    """A fresh CA, server (localhost, 127.0.0.1) and client certificate in directory (a new
    temporary one by default); returns the directory."""
    directory = directory or tempfile.mkdtemp(prefix="sb-certs-")
    subprocess.run([os.path.join(ROOT, "scripts", "make-cert.sh"), directory], check=True, capture_output=True)
    return directory


def client_context(directory, client_cert=False):
    """A client context trusting directory's CA (and presenting its client certificate)."""
    context = ssl.create_default_context(cafile=os.path.join(directory, "ca.pem"))
    if client_cert:
        context.load_cert_chain(os.path.join(directory, "client.pem"), os.path.join(directory, "client-key.pem"))
    return context
