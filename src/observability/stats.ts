/** Connection counters in the shape of Kong's /status `server` block (nginx stub_status). */
export interface ServerStats {
  connections_accepted: number;
  connections_active: number;
  connections_handled: number;
  connections_reading: number;
  connections_writing: number;
  connections_waiting: number;
  total_requests: number;
}

export function emptyStats(): ServerStats {
  return {
    connections_accepted: 0,
    connections_active: 0,
    connections_handled: 0,
    connections_reading: 0,
    connections_writing: 0,
    connections_waiting: 0,
    total_requests: 0,
  };
}
