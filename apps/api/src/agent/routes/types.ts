import type { TypedApp } from '../../routes/types.ts';
import type { AgentGateway } from '../gateway.ts';

/** One file registers one /agent/v1 route. */
export type AgentRouteModule = (app: TypedApp, gateway: AgentGateway) => void;
