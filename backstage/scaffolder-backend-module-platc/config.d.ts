export interface Config {
  /** The platc:new scaffolder action. */
  platc?: {
    /**
     * The `platc` executable the action runs: a path, or a name looked up on
     * the backend's PATH. Default: `platc`.
     */
    binary?: string;
  };
}
