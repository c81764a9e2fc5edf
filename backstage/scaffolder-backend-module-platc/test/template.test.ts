import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { type Schema, Validator } from 'jsonschema';
import { parse } from 'yaml';
import { ACTION_ID, createPlatcNewAction, parseInput } from '../src';
import { packageRoot } from './support';

// `backstage/template.yaml`, the Software Template that calls the action.
const templatePath = path.resolve(packageRoot, '..', 'template.yaml');

interface Step {
  id: string;
  action: string;
  input?: Record<string, unknown>;
}

interface Parameter {
  type?: string;
  default?: string;
  enum?: string[];
}

const template = parse(fs.readFileSync(templatePath, 'utf8'));
const steps: Step[] = template.spec.steps;
const ours = steps.filter(step => step.action === ACTION_ID);
const parameters: Record<string, Parameter> = Object.assign(
  {},
  ...template.spec.parameters.map((page: { properties: object }) => page.properties),
);

// What a user could pick in the form: an example for the free-text fields,
// the default (or first value) of the others.
const examples: Record<string, string> = {
  name: 'svc-a',
  owner: 'group:default/web-team',
  repoUrl: 'github.com?owner=acme&repo=platform',
};

function answers(overrides: Record<string, string> = {}): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, parameter] of Object.entries(parameters)) {
    const value = examples[name] ?? parameter.default ?? parameter.enum?.[0];
    assert.ok(value !== undefined, `no example value for parameter ${name}: add one`);
    values[name] = value;
  }
  return { ...values, ...overrides };
}

/**
 * A step's input as the scaffolder renders it, for the expressions this
 * template uses: `parameters.X`, optionally through `parseEntityRef |
 * pick('name')`. Anything else fails, so that this test learns about it.
 */
function render(value: unknown, values: Record<string, string>): unknown {
  if (typeof value !== 'string') {
    return value;
  }
  return value.replace(/\$\{\{(.*?)\}\}/g, (_, expression: string) => {
    const [subject, ...filters] = expression.split('|').map(part => part.trim());
    const match = /^parameters\.([A-Za-z]+)$/.exec(subject);
    assert.ok(match, `unknown expression \`${expression}\``);
    let result = values[match[1]];
    assert.ok(result !== undefined, `no parameter ${match[1]}`);
    if (filters.length > 0) {
      assert.deepEqual(filters, ['parseEntityRef', "pick('name')"], `unknown filters in \`${expression}\``);
      result = result.replace(/^.*[:/]/, '');
    }
    return result;
  });
}

function rendered(step: Step, values: Record<string, string>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(step.input ?? {}).map(([key, value]) => [key, render(value, values)]),
  );
}

describe('backstage/template.yaml and the platc:new action', () => {
  const action = createPlatcNewAction();
  const schema = action.schema!.input as {
    properties: Record<string, unknown>;
    required?: string[];
  };

  it('calls the action', () => {
    assert.equal(ours.length, 1, 'one platc:new step');
  });

  it('passes only inputs the action accepts, and every one it requires', () => {
    for (const step of ours) {
      const keys = Object.keys(step.input ?? {});
      const accepted = Object.keys(schema.properties);
      for (const key of keys) {
        assert.ok(accepted.includes(key), `step ${step.id}: input \`${key}\` is not one of ${accepted.join(', ')}`);
      }
      for (const key of schema.required ?? []) {
        assert.ok(keys.includes(key), `step ${step.id}: the required input \`${key}\` is missing`);
      }
    }
  });

  it("renders to input the action's schema and the handler accept, for every choice in the form", () => {
    const validator = new Validator();
    const choices: Record<string, string>[] = [answers()];
    for (const [name, parameter] of Object.entries(parameters)) {
      for (const value of parameter.enum ?? []) {
        choices.push(answers({ [name]: value }));
      }
    }
    for (const step of ours) {
      for (const values of choices) {
        const input = rendered(step, values);
        // What the scaffolder checks before it calls the handler …
        const result = validator.validate(input, schema as Schema);
        assert.deepEqual(result.errors.map(String), [], JSON.stringify(input));
        // … and what the handler checks again.
        parseInput(input);
        assert.equal(input.path, `services/${values.name}`);
      }
    }
  });

  it("offers exactly the kinds and languages platc new knows", () => {
    const properties = schema.properties as Record<string, { enum?: string[] }>;
    for (const name of ['kind', 'language']) {
      assert.deepEqual(parameters[name].enum, properties[name].enum, name);
    }
  });

  it("asks for a name with the action's pattern", () => {
    const properties = schema.properties as Record<string, { pattern?: string; maxLength?: number }>;
    assert.equal((parameters.name as { pattern?: string }).pattern, properties.name.pattern);
    assert.equal((parameters.name as { maxLength?: number }).maxLength, properties.name.maxLength);
  });
});
