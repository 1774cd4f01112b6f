// prometheus config (kong/plugins/prometheus/schema.lua, Kong 3.x: high-cardinality metrics are opt-in)
import type { PluginSchemaDef } from '../../store/schema/index.js';

const flag = { type: 'boolean' as const, default: false };

export const schema: PluginSchemaDef = {
  name: 'prometheus',
  config: {
    type: 'record',
    fields: [
      { per_consumer: flag },
      { status_code_metrics: flag },
      { ai_metrics: flag },
      { latency_metrics: flag },
      { bandwidth_metrics: flag },
      { upstream_health_metrics: flag },
    ],
  },
};
