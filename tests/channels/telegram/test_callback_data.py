from __future__ import annotations

from bot.channels.telegram.callback_data import CallbackSigner, signing_key

SIGNER = CallbackSigner(signing_key("123:token"))


def test_signed_data_fits_64_bytes_and_verifies_for_its_chat_only() -> None:
    for button_id in ("menu", "topic:comp.appraisal_dispute", "fb:1:comp.relocation_fee", "选项:一", ""):
        data = SIGNER.sign(42, button_id)
        assert len(data.encode()) <= 64
        assert SIGNER.verify(42, data) == button_id
        assert SIGNER.verify(43, data) is None


def test_tampered_or_foreign_data_does_not_verify() -> None:
    data = SIGNER.sign(42, "topic:comp.scope")
    other = CallbackSigner(signing_key("456:other"))
    for forged in (
        data[:-1] + ("A" if data[-1] != "A" else "B"),
        "topic:comp.scope",
        other.sign(42, "topic:comp.scope"),
        "topic:comp.valuation" + data[data.index("|") :],
        "",
        None,
        "x" * 65,
        "#nope",
    ):
        assert SIGNER.verify(42, forged) is None


def test_ids_too_long_for_64_bytes_travel_as_a_digest() -> None:
    long_id = "form:complaint:choice:" + "很长的选项" * 10
    data = SIGNER.sign(42, long_id)
    assert data.startswith("#") and len(data.encode()) <= 64
    assert SIGNER.verify(42, data) == long_id
    assert SIGNER.verify(43, data) is None
    assert CallbackSigner(signing_key("123:token")).verify(42, data) is None  # another process: expired politely
