import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { createPlatcNewAction } from './action';

/**
 * Registers `platc:new` with the scaffolder. The `platc` it runs is
 * `platc.binary` from app-config (a path, or a name on the backend's PATH),
 * `platc` by default.
 */
export const scaffolderModulePlatc = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'platc',
  register(reg) {
    reg.registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        config: coreServices.rootConfig,
      },
      async init({ scaffolder, config }) {
        const binary = config.getOptionalString('platc.binary');
        scaffolder.addActions(createPlatcNewAction({ binary }));
      },
    });
  },
});
