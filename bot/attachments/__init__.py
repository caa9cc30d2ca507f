"""Residents' photos (and voice files): fetched from the channel when they are sent, checked by content, stored
without their metadata, linked to the case they were sent with, shown to the staff who may see that case.

models    the `attachments` table: one row per file a resident sent, with its state (pending, stored, failed …)
store     the store port (put / get bytes by key) and its directory adapter under var/
images    Pillow: is it an image, not too big, not a decompression bomb; re-encoded without EXIF; a thumbnail
records   reading and writing the rows
fetcher   downloads through a channel's MediaSource, first at once, then retried in the background
"""
