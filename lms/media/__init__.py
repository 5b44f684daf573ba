"""The media pipeline: resumable uploads, ffprobe checks, ffmpeg processing jobs, delivery."""
