"""Whole conversations over Telegram — webhook and long polling — through PTB and real HTTP to the fake API."""

from __future__ import annotations

from tests.channels.telegram.conftest import TelegramBot


async def test_start_shows_the_main_menu_as_large_buttons(telegram_bot: TelegramBot) -> None:
    resident = telegram_bot.resident()
    await resident.say("/start")
    assert "安居助手" in resident.text
    assert resident.keyboard_labels == ["咨询政策", "估算补偿", "登记诉求", "申请帮助", "查进度", "转人工"]


async def test_typed_question_gets_a_cited_answer_with_buttons(telegram_bot: TelegramBot) -> None:
    resident = telegram_bot.resident()
    await resident.say("搬迁费怎么算")
    assert len(resident.replies) == 1
    assert "依据：" in resident.text and "第二十二条" in resident.text
    assert "有用" in resident.inline_labels


async def test_inline_button_answers_and_retires_the_pressed_keyboard(telegram_bot: TelegramBot) -> None:
    resident = telegram_bot.resident()
    await resident.say("过渡费怎么发")
    answer = resident.replies[-1]
    await resident.press("搬迁费")
    assert "搬迁费" in resident.text and "依据：" in resident.text
    assert "reply_markup" not in answer and "👉 已选择：" in answer["text"]  # edited in place
    (answered,) = telegram_bot.fake.calls_of("answerCallbackQuery")
    assert "text" not in answered.params  # a good press: no notice


async def test_feedback_button_is_thanked(telegram_bot: TelegramBot) -> None:
    resident = telegram_bot.resident()
    await resident.say("搬迁费怎么算")
    await resident.press("有用")
    assert "谢谢" in resident.text


async def test_main_menu_keyboard_label_works_like_the_button(telegram_bot: TelegramBot) -> None:
    resident = telegram_bot.resident()
    await resident.say("转人工")
    assert "12345" in resident.text and "电话" in resident.text


async def test_voice_message_gets_a_kind_reply_with_the_hotline(telegram_bot: TelegramBot) -> None:
    resident = telegram_bot.resident()
    await resident.send(resident.updates.voice())
    assert "语音" in resident.text and "12345" in resident.text


async def test_shared_location_is_acknowledged(telegram_bot: TelegramBot) -> None:
    resident = telegram_bot.resident()
    await resident.send(resident.updates.location(31.2304, 121.4737))
    assert "位置" in resident.text


async def test_help_and_cancel_commands(telegram_bot: TelegramBot) -> None:
    resident = telegram_bot.resident()
    await resident.say("/help")
    assert "安居助手" in resident.text and resident.keyboard_labels
    await resident.say("/cancel")
    assert "没有正在办理" in resident.text


async def test_sticker_gets_a_prompt_to_type(telegram_bot: TelegramBot) -> None:
    resident = telegram_bot.resident()
    await resident.send(resident.updates.sticker())
    assert "打字" in resident.text


async def test_long_answer_is_split_and_keyboard_goes_last(telegram_bot: TelegramBot) -> None:
    from bot.channels.telegram.render import render
    from bot.core.messages import Button, Outbound

    signer = telegram_bot.channel.signer
    parts = render(Outbound("段落。\n\n" * 1500, (Button("menu", "返回菜单"),)), 5001, signer)
    assert len(parts) >= 2 and all(len(p.text) <= 4096 for p in parts)
    assert parts[-1].markup is not None and all(p.markup is None for p in parts[:-1])
