#!/usr/bin/env bash
# The demo's booth recordings (video appeals filed by `serve --demo`), made by ffmpeg
# (Debian's ffmpeg 5.1): a test pattern with a quiet tone, VP8 and Opus as a browser records.
# Two different recordings, since the same recording twice is the same appeal (VA-05).
set -euo pipefail
cd "$(dirname "$0")"
ffmpeg -v error -y -f lavfi -i testsrc=size=320x240:rate=10 \
    -f lavfi -i "sine=frequency=330,volume=0.2" -t 8 \
    -c:v libvpx -b:v 48k -c:a libopus -b:a 12k demo-booth-1.webm
ffmpeg -v error -y -f lavfi -i smptebars=size=320x240:rate=10 \
    -f lavfi -i "sine=frequency=440,volume=0.2" -t 6 \
    -c:v libvpx -b:v 48k -c:a libopus -b:a 12k demo-booth-2.webm
