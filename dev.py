#!/usr/bin/env python3
"""Jindu's two commands, for a fresh machine with only Python 3.11+.

    python3 dev.py up     set up and run the whole app (web, Celery worker and beat) with demo data
    python3 dev.py test   run the whole test suite (ruff, migrations check, pytest incl. browser)

Both create .venv/ and install what pyproject.toml lists. `up` uses the embedded defaults
(SQLite, kombu's filesystem broker) unless DATABASE_URL / CELERY_BROKER_URL are set.
"""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
import tomllib
import urllib.request
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PY = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
BIN = PY.parent
DEMO_PASSWORD = "jindu-demo-2026"
CHROMIUM = "/usr/bin/chromium"


def run(*cmd, **kwargs):
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT, **kwargs)


def requirements(dev):
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = list(project["dependencies"])
    if dev:
        deps += project["optional-dependencies"]["dev"]
    return deps


def ensure_venv(*, dev):
    if not PY.exists():
        venv.create(VENV, with_pip=True)
    stamp = VENV / (".deps-dev" if dev else ".deps")
    wanted = "\n".join(requirements(dev))
    if not stamp.exists() or stamp.read_text() != wanted:
        run(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
        run(PY, "-m", "pip", "install", "--quiet", *requirements(dev))
        stamp.write_text(wanted)


def ensure_chromium():
    """Browser tests drive Debian's chromium; install it (and CJK fonts) when we can."""
    if Path(CHROMIUM).exists():
        return
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "install", "-y", "-q", "chromium", "fonts-wqy-zenhei"],
                       env=env, check=False)
    if not Path(CHROMIUM).exists():
        print("! chromium not found: browser tests will be skipped", flush=True)


def manage(*args, env=None):
    run(PY, "manage.py", *args, env=env)


def up(args):
    ensure_venv(dev=False)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    var = Path(env.get("JINDU_VAR_DIR", ROOT / "var"))
    for sub in ("broker/queue", "broker/processed", "media"):
        (var / sub).mkdir(parents=True, exist_ok=True)
    manage("migrate", "--noinput", env=env)
    if env.get("DEBUG", "1").lower() in ("0", "false", "no"):
        manage("collectstatic", "--noinput", env=env)
    logins = ""
    if not args.no_seed:
        print("+ manage.py seed_demo", flush=True)
        logins = subprocess.run(
            [str(PY), "manage.py", "seed_demo", "--password", DEMO_PASSWORD], cwd=ROOT, env=env,
            check=True, capture_output=True, text=True,
        ).stdout

    address = f"{args.host}:{args.port}"
    procs = [
        subprocess.Popen([str(PY), "manage.py", "runserver", address, "--noreload"],
                         cwd=ROOT, env=env),
        subprocess.Popen([str(BIN / "celery"), "-A", "config", "worker", "-B", "-l", "warning",
                          "--concurrency", "2", "-s", str(var / "celerybeat-schedule")],
                         cwd=ROOT, env=env),
    ]

    def stop(*_):
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    url = f"http://{'127.0.0.1' if args.host in ('0.0.0.0', '') else args.host}:{args.port}/"
    for _ in range(120):
        try:
            urllib.request.urlopen(url + "accounts/login/", timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    print(f"\n{logins}\nJindu is running at {url}  (web, Celery worker and beat; Ctrl+C stops all)"
          f"\nAPI docs: {url}api/v1/docs/   Django admin: {url}admin/\n", flush=True)
    while all(p.poll() is None for p in procs):
        time.sleep(1)
    stop()


def test(args):
    ensure_venv(dev=True)
    ensure_chromium()
    env = {**os.environ, "DJANGO_ALLOW_ASYNC_UNSAFE": "true"}
    run(BIN / "ruff", "check", ".")
    manage("makemigrations", "--check", "--dry-run", env=env)
    if shutil.which("msgfmt"):
        manage("compilemessages", "--ignore", ".venv", env=env)
    run(PY, "-m", "pytest", *args.pytest_args, env=env)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_up = sub.add_parser("up", help="set up and run the whole app with demo data")
    p_up.add_argument("--host", default="127.0.0.1")
    p_up.add_argument("--port", default="8000")
    p_up.add_argument("--no-seed", action="store_true", help="skip the demo data")
    p_up.set_defaults(func=up)
    p_test = sub.add_parser("test", help="run the whole test suite")
    p_test.set_defaults(func=test)
    # Everything after `test` goes to pytest unchanged (options included).
    args, extra = parser.parse_known_args()
    if extra and args.command != "test":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.pytest_args = extra
    try:
        args.func(args)
    except subprocess.CalledProcessError as exc:
        sys.exit(exc.returncode)


if __name__ == "__main__":
    main()
