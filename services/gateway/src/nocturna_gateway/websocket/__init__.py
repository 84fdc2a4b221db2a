"""`/api/v1/ws`: each user's own events pushed over a WebSocket, resumable from a Redis replay buffer."""
