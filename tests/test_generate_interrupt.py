"""Ctrl-C during `poetstudio generate`, sent as a real SIGINT to a real process: the partial poem stays on
stdout, the decode thread is stopped and joined before exit, and the exit status is 130."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap

import pytest

# Runs `poetstudio generate` with decoding slowed to 20 tokens/s and end-of-text ignored, so the poem is
# surely still being written when SIGINT arrives; reports on stderr whether decode was still running
# when main() returned.
HARNESS = textwrap.dedent("""
    import sys, threading, time
    import poetstudio.engine.engine as engine_module
    from poetstudio.cli import main

    running = threading.Event()
    real_decode = engine_module.decode

    def slow_decode(model, tokenizer, prompts, weights, sampling, on_piece=None, cancel=None, **kw):
        def piece(text):
            if not running.is_set():
                running.set()
                print("decoding", file=sys.stderr, flush=True)
            time.sleep(0.05)
            if on_piece:
                on_piece(text)
        try:
            return real_decode(model, tokenizer, prompts, weights, sampling, piece, cancel, ignore_eos=True, **kw)
        finally:
            running.clear()

    engine_module.decode = slow_decode
    status = main(sys.argv[1:])
    print(f"decode still running at exit: {running.is_set()}", file=sys.stderr, flush=True)
    sys.exit(status)
""")


TINY: list[str] = []


@pytest.fixture(scope="module", autouse=True)
def _tiny_model(tiny_chat_base, chat_adapter):
    TINY[:] = ["--model", str(tiny_chat_base), "--adapter", str(chat_adapter)]


def interrupted_generate(*flags: str, stop: int = signal.SIGINT) -> subprocess.CompletedProcess:
    """`poetstudio generate` stopped by `stop` once its first token is out (on the shipped model unless `flags`
    name another)."""
    process = subprocess.Popen(
        [sys.executable, "-c", HARNESS, "generate", "the sea at night", "--blend", "Emily Dickinson=1",
         "--seed", "3", "--max-new-tokens", "400", "--device", "cpu", *flags],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    before = b""
    for line in process.stderr:  # model loading first; the harness says when the first token is out
        before += line
        if line.strip() == b"decoding":
            break
    process.send_signal(stop)
    out, err = process.communicate(timeout=120)
    return subprocess.CompletedProcess(process.args, process.returncode, out.decode(), (before + err).decode())


def test_ctrl_c_keeps_the_partial_poem_and_exits_130():
    result = interrupted_generate()
    assert result.returncode == 130, result.stderr
    assert "stopped; the partial poem is above" in result.stderr
    assert "decode still running at exit: False" in result.stderr
    assert "terminate called" not in result.stderr and "Traceback" not in result.stderr
    assert len(result.stdout.strip()) > 0


def test_sigterm_is_treated_as_ctrl_c_the_partial_poem_stays_with_its_footer_and_exit_143():
    result = interrupted_generate(*TINY, stop=signal.SIGTERM)
    assert result.returncode == 143, result.stderr
    assert "stopped; the partial poem is above" in result.stderr and "tokens," in result.stderr  # the footer
    assert "decode still running at exit: False" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stdout.strip()) > 0


def test_ctrl_c_with_json_prints_the_partial_record():
    result = interrupted_generate("--json", *TINY)
    assert result.returncode == 130, result.stderr
    record = json.loads(result.stdout.strip().splitlines()[-1])
    assert record["finished"] is False and 0 < record["tokens"] < 400
    assert "decode still running at exit: False" in result.stderr
