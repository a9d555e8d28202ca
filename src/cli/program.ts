/**
 * Commands and options of `escalator`. Each action only wires parts together and prints.
 * Validators and schemas load when a command needs them (`await import`): `escalator plan`
 * validates in a worker thread (planning-input.ts) and its main thread never loads them.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from '@commander-js/extra-typings';
import type * as Documents from '../campaign/documents.js';
import type { ParsedDocument } from '../campaign/load.js';
import { toPlanDocument } from '../campaign/plan-out.js';
import { DocumentError, type DocumentProblem } from '../campaign/problems.js';
import { loadDocumentFile } from '../campaign/read.js';
import { documentYaml } from '../campaign/yaml-lib.js';
import {
  generateCloud,
  INVENTORY_SHAPES,
  MIN_HOSTS_PER_SITE,
  type InventoryShape,
} from '../drivers/sim/generate.js';
import { ERRORS, EscalatorError, STRATEGIES, type Plan, type Strategy } from '../model/index.js';
import { check, plan, verifyPlan } from '../planner/index.js';
import { formatComparison, formatFindings, formatPlan, formatViolation } from './format.js';
import { exitCodesHelp } from './errors.js';
import { writeJson } from './json-out.js';
import { withPlanningInput } from './planning-input.js';
import { addInventoryCommands, addRunCommands, demoRun } from './run-commands.js';

const EXIT_HELP = exitCodesHelp();

const positiveInt = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError(`${name} must be a whole number ≥ 1, got "${value}"`);
  return n;
};
const fraction = (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 1)
    throw new InvalidArgumentError(`must be a fraction in (0, 1], got "${value}"`);
  return n;
};

/** The generator needs a few hosts per site; say so as a usage error, not as a bug. */
function checkCloudSize(hosts: number, sites: number): void {
  const least = MIN_HOSTS_PER_SITE * sites;
  if (hosts < least)
    throw new EscalatorError(
      'ESC_USAGE',
      `--hosts must be at least ${least} for ${sites} site(s) (${MIN_HOSTS_PER_SITE} per site: 3 controllers and a compute host), got ${hosts}`,
    );
}

async function writeOut(dir: string, files: readonly (readonly [string, string])[]): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    for (const [file, text] of files) await writeFile(file, text);
  } catch (error) {
    const code = error instanceof Error && 'code' in error ? String(error.code) : '';
    const reason =
      code === 'EEXIST' || code === 'ENOTDIR'
        ? 'a file is in the way of the folder'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : error instanceof Error
            ? error.message
            : String(error);
    throw new EscalatorError('ESC_USAGE', `--out ${dir}: cannot write there: ${reason}`);
  }
}

function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/**
 * Indented for a person at a terminal; compact for a program (a 10,000-host plan is ~100 MB
 * indented), written as it is rendered. A chunk the stream has written out at once (files, and
 * pipes the reader keeps up with) is reused for the next: a 10,000-host plan is ~55 MB of JSON,
 * and on a virtual machine where a first touch of memory costs ~3 ms a MiB, holding it all cost
 * ~0.3 s (rendering with every chunk kept, 0.6-0.8 s; with each written out, 0.25-0.3 s).
 */
function printJson(value: unknown): void {
  const out = process.stdout;
  if (out.isTTY) {
    out.write(`${JSON.stringify(value, null, 2)}\n`);
    return;
  }
  writeJson(value, (chunk) => {
    out.write(chunk);
    // Nothing left in the stream's buffer: it holds no reference to the chunk.
    return out.writableLength === 0;
  });
  out.write('\n');
}

const outputOption = () =>
  new Option('-o, --output <format>', 'table for people, json for programs')
    .choices(['table', 'json'] as const)
    .default('table' as const);

function planningOptions(cmd: Command) {
  return cmd
    .requiredOption('-i, --inventory <file>', 'Inventory document (YAML or JSON)')
    .requiredOption('-k, --catalog <file>', 'Catalog document (YAML or JSON)')
    .requiredOption('-c, --campaign <file>', 'Campaign document (YAML or JSON)');
}

export function buildProgram(): Command {
  const program = new Command('escalator')
    .description(
      'Plan, check and carry out smooth rolling upgrades of NFV infrastructure and its VIM.',
    )
    .version('0.1.0')
    .showHelpAfterError()
    .addHelpText('after', EXIT_HELP)
    .exitOverride();

  program
    .command('validate')
    .description(
      'Validate documents: every problem of every file, with file, line, column and field.',
    )
    .argument(
      '<files...>',
      'Inventory, Catalog and Campaign documents; a campaign is also checked against an inventory and catalog given with it',
    )
    .action(async (files: string[]) => {
      const parsed = await Promise.all(files.map((f) => loadDocumentFile(f)));
      const problems = validateAll(parsed, await import('../campaign/documents.js'));
      if (problems.length > 0) throw new DocumentError(problems);
      print(
        `${files.length} document(s) valid: ${parsed.map((p) => `${p.file} (${kindOf(p)})`).join(', ')}`,
      );
    });

  planningOptions(
    program
      .command('check')
      .description('Check Smooth Upgrade Conditions: what is not met, and how to fix it.'),
  )
    .addOption(outputOption())
    .action(async (opts) => {
      const findings = await withPlanningInput(opts, (input) => check(input));
      if (opts.output === 'json') printJson({ findings });
      else print(formatFindings(findings));
      const blockers = findings.filter((f) => f.severity === 'blocker').length;
      if (blockers > 0) process.exitCode = ERRORS.ESC_CHECK_FAILED.exit;
    });

  const planCmd = program
    .command('plan')
    .description('Plan the campaign in safe rolling waves (and verify plans).')
    .addHelpText(
      'after',
      '\n`escalator plan --inventory … --catalog … --campaign …` runs `plan make`;\n`escalator plan make --help` lists its options (--strategy, --output, --hosts …).',
    );
  planningOptions(
    planCmd
      .command('make', { isDefault: true })
      .description(
        'Plan the campaign (the default: `escalator plan --inventory … --catalog … --campaign …`).',
      ),
  )
    .addOption(
      new Option(
        '-s, --strategy <strategy>',
        'how to form waves; "compare" plans with all three side by side',
      )
        .choices([...STRATEGIES, 'compare'] as const)
        .default('optimised' as const),
    )
    .option(
      '-n, --fixed-parallel <n>',
      'hosts per wave for fixed-parallel',
      positiveInt('--fixed-parallel'),
      2,
    )
    .option('--hosts', 'also list every host operation: steps and instance actions')
    .addOption(outputOption())
    .action(async (opts) => {
      const strategies: Strategy[] =
        opts.strategy === 'compare' ? [...STRATEGIES] : [opts.strategy];
      // Planned before the documents are known valid (planning-input.ts); rendered once they
      // are, as it is written. The render used to be made before the verdict too, to hide it
      // behind a slow validation, but holding a 10,000-host plan's ~55 MB of JSON cost more than
      // that saved: there the worker's verdict comes before planning ends.
      const plans = await withPlanningInput(opts, (input) =>
        strategies.map((strategy) => plan(input, { strategy, fixedParallel: opts.fixedParallel })),
      );
      printPlans(plans, opts);
      if (plans.some((p) => p.findings.some((f) => f.severity === 'blocker')))
        process.exitCode = ERRORS.ESC_PLAN_INFEASIBLE.exit;
    });
  planningOptions(
    planCmd
      .command('verify')
      .description(
        'Re-check a plan against the inventory, wave by wave; name the first violated constraint.',
      ),
  )
    .requiredOption('-p, --plan <file>', 'a plan written by `escalator plan --output json`')
    .addOption(outputOption())
    .action(async (opts) => {
      const [{ loadPlanningInput }, { planFromDocument }] = await Promise.all([
        import('./inputs.js'),
        import('../campaign/plan-document.js'),
      ]);
      const [input, planDoc] = await Promise.all([
        loadPlanningInput(opts),
        loadDocumentFile(opts.plan),
      ]);
      const violation = verifyPlan(planFromDocument(planDoc), input);
      if (opts.output === 'json')
        printJson({ valid: violation === undefined, violation: violation ?? null });
      else print(formatViolation(violation));
      if (violation) process.exitCode = ERRORS.ESC_PLAN_VIOLATION.exit;
    });

  const sim = program
    .command('sim')
    .description('The digital twin: generate clouds to plan and rehearse on.');
  sim
    .command('generate')
    .description(
      'Generate a realistic seeded cloud: inventory.<fmt>, catalog.<fmt>, campaign.<fmt> in a folder.',
    )
    .requiredOption('--hosts <n>', 'hosts in total (10 to 10,000 and more)', positiveInt('--hosts'))
    .option('--seed <n>', 'seed: the same seed gives the same cloud', positiveInt('--seed'), 1)
    .option('--utilisation <fraction>', 'share of compute vCPU in use, e.g. 0.7', fraction)
    .option('--sites <n>', 'sites', positiveInt('--sites'), 1)
    .addOption(
      new Option('--shape <shape>', 'kind of cloud')
        .choices(INVENTORY_SHAPES)
        .default<InventoryShape>('balanced'),
    )
    .addOption(
      new Option('--format <format>', 'file format')
        .choices(['yaml', 'json'] as const)
        .default('yaml' as const),
    )
    .requiredOption('--out <dir>', 'folder to write the three documents to')
    .action(async (opts) => {
      checkCloudSize(opts.hosts, opts.sites);
      const cloud = generateCloud({
        hosts: opts.hosts,
        seed: opts.seed,
        sites: opts.sites,
        shape: opts.shape,
        ...(opts.utilisation !== undefined ? { utilisation: opts.utilisation } : {}),
      });
      const render = (doc: unknown) =>
        opts.format === 'json' ? `${JSON.stringify(doc)}\n` : documentYaml(doc);
      const files = (
        [
          ['inventory', cloud.inventory],
          ['catalog', cloud.catalog],
          ['campaign', cloud.campaign],
        ] as const
      ).map(([name, doc]) => [join(opts.out, `${name}.${opts.format}`), render(doc)] as const);
      await writeOut(opts.out, files);
      const written = files.map(([file]) => file);
      const spec = cloud.inventory.spec;
      print(
        `Generated ${spec.hosts.length} hosts, ${spec.instances?.length ?? 0} instances, ${spec.vnfs?.length ?? 0} VNFs (seed ${opts.seed}, ${opts.shape}):\n  ${written.join('\n  ')}`,
      );
    });

  program
    .command('demo')
    .description(
      'Generate a cloud, check it, plan an example campaign (strategies compared), then carry it out on the digital twin and print the run report.',
    )
    .option('--hosts <n>', 'hosts in the generated cloud', positiveInt('--hosts'), 100)
    .option('--seed <n>', 'seed', positiveInt('--seed'), 1)
    .option('--db <path|url>', 'keep the run in this database (default: a temporary one)')
    .action(async (opts) => {
      checkCloudSize(opts.hosts, 1);
      const { compileCloud } = await import('../drivers/sim/compile-cloud.js');
      const cloud = generateCloud({ hosts: opts.hosts, seed: opts.seed });
      const { inventory, catalog, campaign } = compileCloud(cloud);
      const input = { inventory, catalog, campaign };
      const s = cloud.inventory.spec;
      print(
        `Escalator demo — a generated cloud of ${s.hosts.length} hosts, ${s.instances?.length ?? 0} instances, ${s.vnfs?.length ?? 0} VNFs (seed ${opts.seed}).`,
      );
      print(
        `Campaign ${campaign.name}: ${campaign.upgrades.map((u) => `${u.component} → ${u.to}`).join(', ')}; ${campaign.mode}.\n`,
      );
      print(formatFindings(check(input)));
      const plans = STRATEGIES.map((strategy) => plan(input, { strategy }));
      print(`\n${formatPlan(plans[0] as Plan, { findings: false })}`);
      print(`\nStrategies side by side:\n${formatComparison(plans)}`);
      const violation = verifyPlan(plans[0] as Plan, input);
      print(`\n${formatViolation(violation)}`);
      if (violation) throw new EscalatorError('ESC_PLAN_VIOLATION', formatViolation(violation));
      print(`\nCarrying the campaign out on the digital twin (simulated time):`);
      await demoRun(input, opts.db);
      print(
        '\nNext: `escalator sim generate --hosts 100 --out my-cloud` writes these documents; `escalator apply -i my-cloud/inventory.yaml -k my-cloud/catalog.yaml -c my-cloud/campaign.yaml` carries them out; `escalator rollback` undoes it.',
      );
    });

  addRunCommands(program);
  addInventoryCommands(program);
  return program;
}

/** Prints what `escalator plan` made. */
function printPlans(
  plans: readonly Plan[],
  opts: { readonly output: 'table' | 'json'; readonly hosts?: true },
): void {
  const [first] = plans;
  if (opts.output === 'json')
    printJson(
      plans.length === 1 ? toPlanDocument(first as Plan) : { plans: plans.map(toPlanDocument) },
    );
  else
    print(
      plans.length === 1
        ? formatPlan(first as Plan, { hosts: opts.hosts === true })
        : `${formatPlan(first as Plan)}\n\nStrategies side by side:\n${formatComparison(plans)}`,
    );
}

function kindOf(p: ParsedDocument): string {
  const data = p.data;
  return typeof data === 'object' &&
    data !== null &&
    'kind' in data &&
    typeof data.kind === 'string'
    ? data.kind
    : 'unknown';
}

/** Each document by its own kind; a campaign also against the inventory and catalog given with it. */
function validateAll(
  parsed: readonly ParsedDocument[],
  {
    documentProblems,
    validateCampaignAgainst,
    inventoryFromDocument,
    catalogFromDocument,
  }: typeof Documents,
): DocumentProblem[] {
  const problems: DocumentProblem[] = [];
  const byKind = (k: string) => parsed.filter((p) => kindOf(p) === k);
  for (const p of parsed) {
    // Text that cannot be read says why in its own problems, whatever kind it meant to be.
    if (!p.readable) {
      problems.push(...p.problems);
      continue;
    }
    const kind = kindOf(p);
    const k = kind === 'Inventory' || kind === 'Catalog' || kind === 'Campaign' ? kind : undefined;
    if (k) problems.push(...documentProblems(p, k));
    else
      problems.push(
        ...documentProblems(p, 'Inventory')
          .slice(0, 1)
          .map((x) => ({
            ...x,
            message: `not an Escalator document (kind must be Inventory, Catalog or Campaign): ${x.message}`,
          })),
      );
  }
  const [inv] = byKind('Inventory');
  const [cat] = byKind('Catalog');
  if (problems.length === 0 && inv && cat) {
    const inventory = inventoryFromDocument(inv);
    const catalog = catalogFromDocument(cat);
    for (const c of byKind('Campaign'))
      problems.push(...validateCampaignAgainst(c, inventory, catalog));
  }
  return problems;
}
