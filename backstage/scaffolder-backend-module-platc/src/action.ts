import fs from 'node:fs/promises';
import path from 'node:path';
import {
  createTemplateAction,
  executeShellCommand,
} from '@backstage/plugin-scaffolder-node';
import { z } from 'zod/v3';

/** The action's id, as templates name it in `action:`. */
export const ACTION_ID = 'platc:new';

/**
 * A name platc accepts for a service, a team or a tier: lowercase letters,
 * digits and `-`, starting with a letter, not ending with `-` (what `platc
 * new` checks; a DNS label, so also a Kubernetes name).
 */
export const NAME_PATTERN = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** The kinds of service `platc new --kind` knows. */
export const KINDS = ['web', 'worker', 'cron'] as const;
/** The languages `platc new --language` has a Dockerfile for. */
export const LANGUAGES = ['go', 'rust', 'python', 'node', 'java'] as const;
/** The spec's syntax, `platc new --as`. */
export const SYNTAXES = ['kdl', 'yaml'] as const;

const name = (zod: typeof z, what: string) =>
  zod
    .string()
    .max(63)
    .regex(
      NAME_PATTERN,
      `${what}: lowercase letters, digits and \`-\`, starting with a letter`,
    );

/**
 * The input, one entry per field, in the form `createTemplateAction` takes
 * (it derives the JSON Schema the scaffolder validates step inputs against,
 * with `additionalProperties: false`). The handler parses its input with the
 * same entries again, so a caller that skips the scaffolder's validation
 * gets the same answer.
 */
export const inputSchema = {
  name: (zod: typeof z) =>
    name(zod, 'name').describe('The service, also its folder name by default'),
  path: (zod: typeof z) =>
    zod
      .string()
      .min(1)
      .optional()
      .describe(
        'The folder to create, relative to the workspace and inside it (default: the name)',
      ),
  owner: (zod: typeof z) =>
    name(zod, 'owner')
      .optional()
      .describe('The team that owns the service (a team of platform.kdl)'),
  tier: (zod: typeof z) =>
    name(zod, 'tier')
      .optional()
      .describe("The tier (default: the platform's default tier)"),
  kind: (zod: typeof z) =>
    zod
      .enum(KINDS)
      .optional()
      .describe('web, worker or cron (default: web)'),
  language: (zod: typeof z) =>
    zod
      .enum(LANGUAGES)
      .optional()
      .describe('Decides the Dockerfile and the CI toolchain (default: go)'),
  image: (zod: typeof z) =>
    zod
      .string()
      .min(1)
      .regex(/^[^\s"\\]+$/, 'image: an image repository, without spaces or quotes')
      .optional()
      .describe(
        "The image repository (default: the service's name in the platform's registry)",
      ),
  syntax: (zod: typeof z) =>
    zod
      .enum(SYNTAXES)
      .optional()
      .describe('platc.kdl or platc.yaml (default: kdl)'),
};

const outputSchema = {
  path: (zod: typeof z) =>
    zod.string().describe('The new folder, relative to the workspace, with `/`'),
  catalogInfoPath: (zod: typeof z) =>
    zod
      .string()
      .optional()
      .describe(
        'The Backstage catalog file platc wrote for the service, from the workspace root (for catalog:register)',
      ),
};

/** The input as the handler reads it. */
export type PlatcNewInput = z.infer<ReturnType<typeof inputObject>>;

function inputObject(zod: typeof z) {
  return zod
    .object({
      name: inputSchema.name(zod),
      path: inputSchema.path(zod),
      owner: inputSchema.owner(zod),
      tier: inputSchema.tier(zod),
      kind: inputSchema.kind(zod),
      language: inputSchema.language(zod),
      image: inputSchema.image(zod),
      syntax: inputSchema.syntax(zod),
    })
    .strict();
}

/** A mistake in the action's input, found before platc runs. */
export class PlatcInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/** The input, checked; throws `PlatcInputError` with every problem. */
export function parseInput(input: unknown): PlatcNewInput {
  const parsed = inputObject(z).safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(issue => {
      const at = issue.path.join('.');
      return at ? `${at}: ${issue.message}` : issue.message;
    });
    throw new PlatcInputError(`platc:new: invalid input: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/**
 * `folder` resolved in `workspace`, as a relative path with `/` and no `..`:
 * refuses absolute paths, the workspace itself, anything that leaves it, and
 * an existing ancestor that is a symbolic link out of it.
 */
export async function folderInWorkspace(
  workspace: string,
  folder: string,
): Promise<string> {
  if (folder.includes('\0') || path.isAbsolute(folder) || path.win32.isAbsolute(folder)) {
    throw new PlatcInputError(
      `platc:new: path \`${folder}\` must be relative to the workspace`,
    );
  }
  const root = path.resolve(workspace);
  const target = path.resolve(root, folder);
  const relative = path.relative(root, target);
  if (
    relative === '' ||
    relative === '..' ||
    relative.startsWith(`..${path.sep}`) ||
    path.isAbsolute(relative)
  ) {
    throw new PlatcInputError(
      `platc:new: path \`${folder}\` is not a folder inside the workspace`,
    );
  }
  // The part that exists must not lead out through a symbolic link.
  const realRoot = await fs.realpath(root);
  let existing = target;
  let real: string | undefined;
  while (real === undefined) {
    try {
      real = await fs.realpath(existing);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw error;
      }
      // Missing, or a link to something missing (which could be outside).
      const link = await fs.lstat(existing).then(
        stat => stat.isSymbolicLink(),
        () => false,
      );
      if (link) {
        throw new PlatcInputError(
          `platc:new: path \`${folder}\` goes through a dangling symbolic link`,
        );
      }
      existing = path.dirname(existing);
    }
  }
  const inside = path.relative(realRoot, real);
  if (existing === target && inside === '') {
    throw new PlatcInputError(
      `platc:new: path \`${folder}\` is a link to the workspace itself`,
    );
  }
  if (inside === '..' || inside.startsWith(`..${path.sep}`) || path.isAbsolute(inside)) {
    throw new PlatcInputError(
      `platc:new: path \`${folder}\` leads out of the workspace through a symbolic link`,
    );
  }
  return relative.split(path.sep).join('/');
}

/** The arguments of the `platc` run: one value per argument, no shell. */
export function platcArguments(input: PlatcNewInput, folder: string): string[] {
  const args = ['--color=never', 'new'];
  const flags: [string, string | undefined][] = [
    ['owner', input.owner],
    ['tier', input.tier],
    ['kind', input.kind],
    ['language', input.language],
    ['image', input.image],
    ['as', input.syntax],
  ];
  for (const [flag, value] of flags) {
    // `--flag=value`: a value is never read as another option.
    if (value !== undefined) {
      args.push(`--${flag}=${value}`);
    }
  }
  // After `--`, the name and the folder are positional whatever they hold.
  args.push('--', input.name, folder);
  return args;
}

/**
 * The build cache platc keeps at a repository's root (`.platc-cache/`, with a
 * `.gitignore` of `*`). The scaffolder's publishers do not read `.gitignore`
 * files inside dot folders, so one that `platc new` leaves in the workspace
 * would be committed with the service: the action removes those it created.
 */
const PLATC_CACHE = '.platc-cache';

/** The caches that exist where platc may keep one for `folder`: at the
 * workspace, at the folder, or between (platc's repository root is the
 * nearest with `platform.kdl`, else the folder). */
async function platcCaches(workspace: string, folder: string): Promise<Set<string>> {
  const found = new Set<string>();
  let current = '';
  for (const part of ['', ...folder.split('/')]) {
    current = part ? path.join(current, part) : current;
    const cache = path.join(workspace, current, PLATC_CACHE);
    const exists = await fs.lstat(cache).then(
      () => true,
      () => false,
    );
    if (exists) {
      found.add(cache);
    }
  }
  return found;
}

/** How to run platc. */
export interface PlatcNewActionOptions {
  /** The `platc` executable: a path, or a name looked up on PATH (default `platc`). */
  binary?: string;
}

/**
 * The `platc:new` action: `platc new NAME PATH --owner … --tier … --kind …
 * --language …` in the task's workspace, which scaffolds the service folder
 * and builds it (Kubernetes, Argo CD, CI and catalog files). platc refuses to
 * overwrite anything and writes nothing when the repository would not
 * compile with the new service; the action then fails, with platc's
 * diagnostics in the task log.
 */
export function createPlatcNewAction(options: PlatcNewActionOptions = {}) {
  const binary = options.binary ?? 'platc';
  return createTemplateAction({
    id: ACTION_ID,
    description:
      'Scaffolds a service folder with `platc new` (spec, Dockerfile, docs) and builds it',
    examples: [
      {
        description: 'A Go web service owned by web-team, in services/',
        example: [
          'steps:',
          '  - id: new',
          '    action: platc:new',
          '    input:',
          '      name: hello',
          '      path: services/hello',
          '      owner: web-team',
          '      language: go',
          '',
        ].join('\n'),
      },
    ],
    schema: { input: inputSchema, output: outputSchema },
    async handler(ctx) {
      const input = parseInput(ctx.input);
      const folder = await folderInWorkspace(ctx.workspacePath, input.path ?? input.name);
      const args = platcArguments(input, folder);
      const caches = await platcCaches(ctx.workspacePath, folder);
      ctx.logger.info(`Running ${[binary, ...args].join(' ')}`);
      try {
        await executeShellCommand({
          command: binary,
          args,
          options: { cwd: ctx.workspacePath, signal: ctx.signal },
          logger: ctx.logger,
        });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          throw new Error(
            `platc:new: cannot run \`${binary}\`: install platc on the backend's PATH or set platc.binary in app-config`,
          );
        }
        throw new Error(
          `platc:new: ${(error as Error).message}; platc's diagnostics are in the log above`,
        );
      } finally {
        for (const cache of await platcCaches(ctx.workspacePath, folder)) {
          if (!caches.has(cache)) {
            await fs.rm(cache, { recursive: true, force: true });
          }
        }
      }
      ctx.output('path', folder);
      const catalogInfo = `${folder}/catalog-info.yaml`;
      const written = await fs
        .stat(path.join(ctx.workspacePath, catalogInfo))
        .then(stat => stat.isFile())
        .catch(() => false);
      if (written) {
        ctx.output('catalogInfoPath', `/${catalogInfo}`);
      }
    },
  });
}
