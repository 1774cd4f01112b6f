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
