// The alert router's public contract: names, signals, query and input, shared by the workflow and the activity that signals it.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { Alert, ResolveRequest, RouterConfig } from './model';
import type { DeliveryFailure, KeyState, RouterCounters, RouterMemory } from './router-state';

export const ROUTER_WORKFLOW_TYPE = 'alertRouter';
export const DEFAULT_ROUTER_WORKFLOW_ID = 'alert-router';
/** Activities that are the alert path itself: the failure interceptor never alerts about them (no loops). */
export const ALERT_ACTIVITY_TYPES: readonly string[] = ['routeAlert', 'deliverAlert'];

export interface AlertSignal {
  alert: Alert;
  config: RouterConfig;
}
export interface ResolveSignal {
  resolve: ResolveRequest;
  config: RouterConfig;
}

export const alertSignal = defineSignal<[AlertSignal]>('alert');
export const resolveSignal = defineSignal<[ResolveSignal]>('resolve');

export interface RouterStateView {
  config: RouterConfig;
  counters: RouterCounters;
  keys: KeyState[];
  failures: DeliveryFailure[];
  /** Deliveries running now. */
  inFlight: number;
  /** Signals received but not yet handled (they are carried over a continue-as-new). */
  pending: number;
  signalsThisRun: number;
  /** How many continue-as-new generations preceded this run. */
  generation: number;
}
export const stateQuery = defineQuery<RouterStateView>('state');

/** A signal not yet handled, kept raw: the router validates it when it takes it. */
export type PendingSignal = { kind: 'alert'; payload: unknown } | { kind: 'resolve'; payload: unknown };

export interface AlertRouterInput {
  config: RouterConfig;
  /** Carried from the previous run by continue-as-new. */
  memory?: RouterMemory;
  pending?: PendingSignal[];
  generation?: number;
}
