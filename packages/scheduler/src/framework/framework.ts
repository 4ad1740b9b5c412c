// The framework runs one profile's plugins over a pod: PreFilter once, Filter per node (stopping
// at the first plugin that rejects it), PreScore once, Score per node, normalise per plugin,
// weight and sum. Plugins that answered Skip in PreFilter/PreScore are left out for this pod.
import type { CycleState, FilterPlugin, Handle, Plugin, PreFilterPlugin, PreScorePlugin, ScorePlugin, Snapshot } from './interfaces';
import { isFilter, isPreFilter, isPreScore, isScore } from './interfaces';
import type { NodeInfo } from './node-info';
import type { PodInfo } from './pod-info';
import { errorStatus, success, withPlugin } from './status';
import type { Status } from './status';
import type { PluginFactory } from './interfaces';

export interface FrameworkPlugin {
  name: string;
  weight?: number;
}

interface Weighted {
  plugin: ScorePlugin;
  weight: number;
}

/** What PreFilter decided for this cycle: which filters to run. */
export interface PreFilterResult {
  status: Status;
  filters: FilterPlugin[];
}

export class Framework {
  readonly plugins: readonly Plugin[];
  private readonly preFilters: PreFilterPlugin[];
  private readonly filters: FilterPlugin[];
  private readonly preScores: PreScorePlugin[];
  private readonly scores: Weighted[];

  constructor(registry: ReadonlyMap<string, PluginFactory>, config: readonly FrameworkPlugin[], handle: Handle) {
    const plugins: Plugin[] = [];
    const weights = new Map<string, number>();
    for (const c of config) {
      const factory = registry.get(c.name);
      if (factory === undefined) throw new RangeError(`plugin "${c.name}" does not exist`);
      plugins.push(factory(handle));
      weights.set(c.name, c.weight ?? 1);
    }
    this.plugins = plugins;
    this.preFilters = plugins.filter(isPreFilter);
    this.filters = plugins.filter(isFilter);
    this.preScores = plugins.filter(isPreScore);
    this.scores = plugins.filter(isScore).map((plugin) => ({ plugin, weight: weights.get(plugin.name) ?? 1 }));
  }

  /** The plugin named `name`, for the queue to ask which events can help a pod it rejected. */
  plugin(name: string): Plugin | undefined {
    return this.plugins.find((p) => p.name === name);
  }

  runPreFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot): PreFilterResult {
    const skipped = new Set<string>();
    for (const p of this.preFilters) {
      const s = guard(() => p.preFilter(state, pod, snapshot), p.name);
      if (s.code === 'Skip') {
        skipped.add(p.name);
        continue;
      }
      if (s.code !== 'Success') return { status: withPlugin(s, p.name), filters: [] };
    }
    return { status: success(), filters: skipped.size === 0 ? this.filters : this.filters.filter((f) => !skipped.has(f.name)) };
  }

  /** Success, or the first rejection (with its plugin). */
  runFilters(filters: readonly FilterPlugin[], state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    for (const f of filters) {
      const s = guard(() => f.filter(state, pod, node), f.name);
      if (s.code !== 'Success') return withPlugin(s, f.name);
    }
    return success();
  }

  /**
   * Scores every node in `nodes`: each plugin's raw scores, normalised, times its weight, summed.
   * Returns one total per node (same order), or an Error status.
   */
  runScores(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], snapshot: Snapshot): number[] | Status {
    const active: Weighted[] = [];
    for (const w of this.scores) {
      const pre = this.preScores.find((p) => p.name === w.plugin.name);
      if (pre !== undefined) {
        const s = guard(() => pre.preScore(state, pod, nodes, snapshot), pre.name);
        if (s.code === 'Skip') continue;
        if (s.code !== 'Success') return withPlugin(s, pre.name);
      }
      active.push(w);
    }
    const totals = new Array<number>(nodes.length).fill(0);
    const scores = new Array<number>(nodes.length);
    for (const { plugin, weight } of active) {
      try {
        for (let i = 0; i < nodes.length; i++) scores[i] = plugin.score(state, pod, nodes[i]!);
        plugin.normalize?.(state, pod, nodes, scores);
      } catch (err) {
        return withPlugin(errorStatus((err as Error).message), plugin.name);
      }
      for (let i = 0; i < nodes.length; i++) totals[i]! += scores[i]! * weight;
    }
    return totals;
  }
}

/** A plugin that throws has a bug: its exception becomes an Error status rather than a crash. */
function guard(fn: () => Status, plugin: string): Status {
  try {
    return fn();
  } catch (err) {
    return withPlugin(errorStatus(`running "${plugin}": ${(err as Error).message}`), plugin);
  }
}
