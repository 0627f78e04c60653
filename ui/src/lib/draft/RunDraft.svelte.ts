/**
 * RunDraft: a correction being prepared. It holds the chosen flow, the file and its upload,
 * the parameters, and the DAG the API plans for them (re-planned shortly after each edit, the
 * previous request abandoned), and submits the run once everything is ready.
 */

import { api } from '../api/endpoints';
import { errorMessage } from '../api/problems';
import type { Asset, Dag, Flow, FlowVersion, Run } from '../api/types';
import { uploadAsset, type Upload } from '../api/upload';
import type { Params } from '../form/fieldValues';

const PLAN_DELAY_MS = 250;

export class RunDraft {
  flows = $state<Flow[]>([]);
  flowsStatus = $state<'loading' | 'ready' | 'failed'>('loading');
  flowsFailure = $state<string | null>(null);
  flowName = $state<string | null>(null);

  file = $state<File | null>(null);
  uploadProgress = $state<number | null>(null);
  asset = $state<Asset | null>(null);
  uploadFailure = $state<string | null>(null);

  params = $state<Params>({});
  paramsValid = $state(true);

  plan = $state<Dag | null>(null);
  planning = $state(false);
  planFailure = $state<string | null>(null);

  submitting = $state(false);
  submitFailure = $state<string | null>(null);

  flow: Flow | null = $derived(this.flows.find((f) => f.name === this.flowName) ?? null);
  version: FlowVersion | null = $derived(
    this.flow?.versions.find((v) => v.version === this.flow?.latest_version) ?? null,
  );
  ready = $derived(
    this.asset !== null && this.paramsValid && this.plan !== null && !this.planning && !this.submitting,
  );

  #upload: Upload | null = null;
  #planTimer: ReturnType<typeof setTimeout> | null = null;
  #planAbort: AbortController | null = null;

  async loadFlows(): Promise<void> {
    this.flowsStatus = 'loading';
    try {
      this.flows = await api.flows();
      this.flowsStatus = 'ready';
      if (!this.flowName && this.flows[0]) this.flowName = this.flows[0].name;
    } catch (error) {
      this.flowsFailure = errorMessage(error);
      this.flowsStatus = 'failed';
    }
  }

  chooseFlow(name: string): void {
    this.flowName = name;
    this.plan = null;
  }

  pickFile(file: File): void {
    this.#upload?.abort();
    this.file = file;
    this.asset = null;
    this.uploadFailure = null;
    this.uploadProgress = 0;
    const upload = uploadAsset(file, (fraction) => {
      if (this.#upload === upload) this.uploadProgress = fraction;
    });
    this.#upload = upload;
    upload.done.then(
      (asset) => {
        if (this.#upload === upload) this.asset = asset;
      },
      (error: unknown) => {
        if (this.#upload !== upload || (error instanceof DOMException && error.name === 'AbortError')) return;
        this.uploadFailure = errorMessage(error);
      },
    );
  }

  /** New parameters from the form: plan again shortly, unless they are invalid. */
  setParams(params: Params, valid: boolean): void {
    this.params = params;
    this.paramsValid = valid;
    if (this.#planTimer !== null) clearTimeout(this.#planTimer);
    if (!valid) return;
    this.planning = true;
    this.#planTimer = setTimeout(() => void this.#replan(), PLAN_DELAY_MS);
  }

  async #replan(): Promise<void> {
    this.#planTimer = null;
    const flow = this.flow;
    const version = this.version;
    if (!flow || !version) return;
    this.#planAbort?.abort();
    const abort = new AbortController();
    this.#planAbort = abort;
    this.planning = true;
    try {
      const dag = await api.plan(flow.name, version.version, this.params, abort.signal);
      if (abort.signal.aborted) return;
      this.plan = dag;
      this.planFailure = null;
    } catch (error) {
      if (abort.signal.aborted) return;
      this.plan = null;
      this.planFailure = errorMessage(error);
    } finally {
      if (!abort.signal.aborted) this.planning = false;
    }
  }

  async submit(): Promise<Run | null> {
    if (!this.ready || !this.flow || !this.version || !this.asset) return null;
    this.submitting = true;
    this.submitFailure = null;
    try {
      return await api.submitRun({
        flow: this.flow.name,
        version: this.version.version,
        asset_id: this.asset.id,
        params: this.params,
      });
    } catch (error) {
      this.submitFailure = errorMessage(error);
      return null;
    } finally {
      this.submitting = false;
    }
  }

  /** The page goes away: stop the upload and any planning. */
  dispose(): void {
    this.#upload?.abort();
    this.#planAbort?.abort();
    if (this.#planTimer !== null) clearTimeout(this.#planTimer);
  }
}
