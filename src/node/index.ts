// The filtering node: public surface.
export { FilteringNode, type FilteringNodeOptions, type NodeState } from './node.js';
export type { Attack, AttackStatus, Clock, HitSource, InspectHit, InspectRequest, InspectResult, ListName, Mode, Reason, StoredHit } from './types.js';
export { MODES, isMode } from './types.js';
export { IpLists, type IpListEntry, type IpListInput } from './iplists.js';
export { RuleSet, type Rule } from './rules.js';
export { AttackLog } from './attacklog.js';
export { verdictFor, preDecide, decide } from './decide.js';
export { RealIpResolver } from './realip.js';
export { loadNodeConfig, validateNodeConfig, type NodeFileConfig } from './config.js';
export { NodeMetrics } from './metrics.js';
