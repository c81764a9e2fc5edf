/**
 * The `platc:new` scaffolder action for Backstage, as a backend module:
 * `backend.add(import('@platc/plugin-scaffolder-backend-module-platc'))`.
 *
 * @packageDocumentation
 */
export { scaffolderModulePlatc as default } from './module';
export {
  ACTION_ID,
  KINDS,
  LANGUAGES,
  NAME_PATTERN,
  SYNTAXES,
  PlatcInputError,
  createPlatcNewAction,
  folderInWorkspace,
  inputSchema,
  parseInput,
  platcArguments,
} from './action';
export type { PlatcNewActionOptions, PlatcNewInput } from './action';
