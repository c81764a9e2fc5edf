import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { JsonObject, JsonValue } from '@backstage/types';
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { TemplateAction } from '@backstage/plugin-scaffolder-node';

/** The package's folder (tests run from `dist/test/`). */
export const packageRoot = path.resolve(__dirname, '..', '..');

/**
 * The real platc binary: `PLATC_BIN` (`.ci/run` sets it to the one cargo
 * built), else `platc` on PATH.
 */
export function platcBinary(): string {
  const binary = process.env.PLATC_BIN;
  if (!binary) {
    throw new Error(
      'set PLATC_BIN to a platc binary, e.g. `cargo build -p platc` then PLATC_BIN=$PWD/target/debug/platc',
    );
  }
  return path.resolve(binary);
}

const temporary: string[] = [];
process.on('exit', () => {
  for (const folder of temporary) {
    fs.rmSync(folder, { recursive: true, force: true });
  }
});

/** A fresh folder, removed when the process exits. */
export function temporaryFolder(prefix: string): string {
  const folder = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  temporary.push(folder);
  return folder;
}

/**
 * A scaffolder workspace that is a platc repository (`platform.kdl` at its
 * root, empty: the standard library decides), as after `fetch:plain`.
 */
export function platformWorkspace(): string {
  const workspace = temporaryFolder('platc-workspace-');
  fs.writeFileSync(path.join(workspace, 'platform.kdl'), '');
  return workspace;
}

/**
 * A stand-in for platc that records that it ran: its arguments, one per
 * line, in `<folder>/ran`; it exits with `code`.
 */
export function probeBinary(code = 0): { binary: string; ran: () => string[] | undefined } {
  const folder = temporaryFolder('platc-probe-');
  const binary = path.join(folder, 'platc-probe');
  const record = path.join(folder, 'ran');
  fs.writeFileSync(
    binary,
    `#!/bin/sh\nfor argument in "$@"; do printf '%s\\n' "$argument"; done > '${record}'\necho probe output\nexit ${code}\n`,
    { mode: 0o755 },
  );
  return {
    binary,
    ran: () =>
      fs.existsSync(record)
        ? fs.readFileSync(record, 'utf8').split('\n').slice(0, -1)
        : undefined,
  };
}

/** What one run of an action logged and output. */
export interface Run {
  logs: string[];
  outputs: Record<string, JsonValue>;
}

function logger(logs: string[]): LoggerService {
  const log = (level: string) => (message: string) => {
    logs.push(`${level}: ${message}`);
  };
  const service: LoggerService = {
    error: log('error'),
    warn: log('warn'),
    info: log('info'),
    debug: log('debug'),
    child: () => service,
  };
  return service;
}

/**
 * Runs `action`'s handler as the scaffolder would for one step, with `input`
 * (already rendered) and `workspacePath`. Rejects as the handler does; the
 * logs and outputs are in `run` either way.
 */
export async function runAction(
  action: TemplateAction<any, any, any>,
  workspacePath: string,
  input: JsonObject,
  run: Run = { logs: [], outputs: {} },
): Promise<Run> {
  const context: Parameters<typeof action.handler>[0] = {
    logger: logger(run.logs),
    workspacePath,
    input,
    task: { id: 'test-task' },
    async checkpoint(options) {
      return options.fn();
    },
    output(name, value) {
      run.outputs[String(name)] = value as JsonValue;
    },
    async createTemporaryDirectory() {
      return temporaryFolder('platc-action-');
    },
    async getInitiatorCredentials() {
      throw new Error('not used by platc:new');
    },
  };
  await action.handler(context);
  return run;
}

/** Every file under `root`, relative, with `/`, sorted. */
export function tree(root: string): string[] {
  if (!fs.existsSync(root)) {
    return [];
  }
  return (fs.readdirSync(root, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter(entry => entry.isFile())
    .map(entry =>
      path.relative(root, path.join(entry.parentPath ?? entry.path, entry.name)).split(path.sep).join('/'),
    )
    .sort();
}
