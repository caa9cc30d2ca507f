"""Speech to text for every channel: WeChat voice without `Recognition`, Telegram voice, the web chat's recordings.

port        Audio, the SpeechToText port and its one error (timeout, failed, unavailable)
openai_api  the adapter for `POST /v1/audio/transcriptions` (OpenAI-compatible: FunASR, whisper servers, vendors)
transcode   any recording (AMR, SPEEX, Opus, WebM …) → 16 kHz mono WAV through ffmpeg
hearing     a voice Inbound → the same Inbound with the words heard, or with why there are none
"""
