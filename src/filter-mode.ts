// Filter-only mode: with NGINX_BACKEND (or PORTCULLIS_BACKEND) set, Portcullis runs as a WAF in
// front of one backend, configured by environment alone, as the NGINX-based filtering node is.
import YAML from 'yaml';
import type { Config } from './config/index.js';

const MODES = ['off', 'monitoring', 'safe_blocking', 'block'];

/** host, host:port or URL -> URL */
export function backendUrl(value: string): string {
  const v = value.trim();
  if (/^https?:\/\//i.test(v)) return v;
  return `http://${v}`;
}

/** The configuration for filter-only mode, or the configuration unchanged when no backend is set. */
export function filterModeConfig(config: Config, env: NodeJS.ProcessEnv): Config {
  const backend = env.PORTCULLIS_BACKEND?.trim() || env.NGINX_BACKEND?.trim();
  if (!backend) return config;
  const mode = env.WALLARM_MODE?.trim();
  if (mode && !MODES.includes(mode)) throw new Error(`invalid WALLARM_MODE '${mode}' (expected one of: ${MODES.join(', ')})`);
  const healthPath = env.PORTCULLIS_HEALTH_PATH?.trim() || '/health';
  if (!healthPath.startsWith('/')) throw new Error(`invalid PORTCULLIS_HEALTH_PATH '${healthPath}' (must start with /)`);
  let url: URL;
  try {
    url = new URL(backendUrl(backend));
  } catch {
    throw new Error(`invalid NGINX_BACKEND '${backend}' (expected host, host:port or URL)`);
  }
  const application = env.WALLARM_APPLICATION?.trim();
  const doc = {
    _format_version: '3.0',
    services: [
      {
        name: 'backend',
        url: url.toString().replace(/\/$/, url.pathname === '/' ? '' : '/'),
        routes: [{ name: 'all', paths: ['/'], strip_path: false, preserve_host: true }],
        plugins: [{ name: 'wallarm-plugin', config: { blocking: true, ...(application ? { application } : {}) } }],
      },
    ],
    // the load balancer's health check: answered here, never forwarded, never inspected
    routes: [{ name: 'health', paths: [`~${healthPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`], plugins: [{ name: 'request-termination', config: { status_code: 200, body: '{"status":"ok"}', content_type: 'application/json' } }] }],
  };
  return { ...config, database: 'off', declarative_config: null, declarative_config_string: YAML.stringify(doc) };
}
