#!/usr/bin/env node
/*
 * Builds @cardbridge/client into dist/:
 *
 * 1. Reads the public router type (src/router.ts: AppRouter with its context and meta erased)
 *    with the TypeScript compiler and prints every procedure's kind, input and output, and the
 *    error shape, as plain, fully resolved TypeScript: no name from the server, its database,
 *    its SDKs or zod survives, only object types, literals and the tRPC types that build a
 *    router (from @trpc/server, a dependency of this package).
 * 2. Checks the printed router against AppRouter: every procedure's input and output must be
 *    mutually assignable with the server's (a mismatch fails the build).
 * 3. Compiles src/ with the printed router in place of src/router.ts: dist/*.js and *.d.ts.
 * 4. Checks the declarations: imports only from @trpc/client, @trpc/server and dist itself;
 *    none of the server's names (drizzle, pino, stripe, node:http, PGlite, @cardbridge/…).
 *
 * `node scripts/build.mjs`: the package's `build` and `prepack` (so `pnpm pack`, which
 * test/consumer.test.ts and bench/consumer-compile.mjs run, builds first).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const pkgDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = path.join(pkgDir, 'src');
const distDir = path.join(pkgDir, 'dist');
const routerSource = path.join(srcDir, 'router.ts');
const checkFile = path.join(srcDir, '__router-check.ts');

/*
 * What must never appear in the shipped declarations: the server's libraries and packages, and
 * the Stripe SDK's types (`Stripe.Customer`…). The API's own words for Stripe stay (the
 * `"stripe"` gateway kind, `importStripeCard`, `stripeCustomerId`): they are its vocabulary.
 * Every module a declaration imports must besides be @trpc/client, @trpc/server or its own.
 */
export const forbiddenInDeclarations = [
  'drizzle',
  'pino',
  'node:http',
  'PGlite',
  '@cardbridge/',
  'AppDeps',
  'zod',
  'Stripe.',
  "'stripe'",
];
const allowedImports = new Set(['@trpc/client', '@trpc/server']);

function fail(message) {
  throw new Error(`@cardbridge/client build: ${message}`);
}

function formatDiagnostics(diagnostics) {
  return ts.formatDiagnosticsWithColorAndContext(diagnostics, {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => pkgDir,
    getNewLine: () => '\n',
  });
}

function readConfig() {
  const configPath = path.join(pkgDir, 'tsconfig.json');
  const parsed = ts.getParsedCommandLineOfConfigFile(
    configPath,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => fail(formatDiagnostics([d])),
    },
  );
  if (!parsed) fail('cannot read tsconfig.json');
  return parsed.options;
}

// ---------------------------------------------------------------------------------------------
// 1. Print the router's types.

const identifier = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

class TypePrinter {
  constructor(checker) {
    this.checker = checker;
  }

  print(type, where, depth = 0) {
    const { checker } = this;
    const f = type.flags;
    const TF = ts.TypeFlags;
    if (depth > 60) fail(`type too deep at ${where}`);
    if (f & TF.Any) return 'any';
    if (f & TF.Unknown) return 'unknown';
    if (f & TF.Never) return 'never';
    if (f & TF.Void) return 'void';
    if (f & TF.Undefined) return 'undefined';
    if (f & TF.Null) return 'null';
    if (f & TF.Boolean) return 'boolean';
    if (f & TF.String) return 'string';
    if (f & TF.Number) return 'number';
    if (f & TF.BigInt) return 'bigint';
    if (f & TF.StringLiteral) return JSON.stringify(type.value);
    if (f & TF.NumberLiteral) return String(type.value);
    if (f & TF.BigIntLiteral) return `${type.value.negative ? '-' : ''}${type.value.base10Value}n`;
    if (f & TF.BooleanLiteral) return checker.typeToString(type);
    if (f & TF.Union) return this.union(type.types, where, depth);
    if (f & TF.Intersection) {
      return type.types.map((t) => this.wrap(t, this.print(t, where, depth + 1))).join(' & ');
    }
    if (f & TF.TemplateLiteral) {
      let out = JSON.stringify(type.texts[0]).slice(1, -1);
      type.types.forEach((t, i) => {
        out += `\${${this.print(t, where, depth + 1)}}${JSON.stringify(type.texts[i + 1]).slice(1, -1)}`;
      });
      return `\`${out}\``;
    }
    if (f & TF.Object) return this.object(type, where, depth);
    fail(`cannot print ${checker.typeToString(type)} (flags ${f}) at ${where}: not a resolved data type`);
  }

  wrap(type, text) {
    return type.flags & (ts.TypeFlags.Union | ts.TypeFlags.Intersection) ? `(${text})` : text;
  }

  union(types, where, depth) {
    const isTrue = (t) => t.flags & ts.TypeFlags.BooleanLiteral && this.checker.typeToString(t) === 'true';
    const isFalse = (t) => t.flags & ts.TypeFlags.BooleanLiteral && this.checker.typeToString(t) === 'false';
    const both = types.some(isTrue) && types.some(isFalse);
    const parts = [];
    for (const t of types) {
      if (both && isFalse(t)) continue;
      parts.push(both && isTrue(t) ? 'boolean' : this.wrap(t, this.print(t, where, depth + 1)));
    }
    return parts.join(' | ');
  }

  object(type, where, depth) {
    const { checker } = this;
    if (checker.isTupleType(type)) {
      const target = type.target;
      const elements = checker.getTypeArguments(type).map((t, i) => {
        const flags = target.elementFlags[i];
        const text = this.print(t, where, depth + 1);
        if (flags & ts.ElementFlags.Optional) return `${this.wrap(t, text)}?`;
        if (flags & ts.ElementFlags.Rest) return `...${this.wrap(t, text)}[]`;
        return text;
      });
      return `${target.readonly ? 'readonly ' : ''}[${elements.join(', ')}]`;
    }
    if (checker.isArrayType(type)) {
      const [element] = checker.getTypeArguments(type);
      const readonly = type.symbol?.name === 'ReadonlyArray';
      return `${readonly ? 'ReadonlyArray' : 'Array'}<${this.print(element, `${where}[]`, depth + 1)}>`;
    }
    const symbolName = type.symbol?.name;
    if (symbolName === 'Date' && isFromLib(type.symbol)) return 'Date';
    if (type.getCallSignatures().length > 0 || type.getConstructSignatures().length > 0) {
      fail(`a function type at ${where}: ${checker.typeToString(type)}`);
    }
    const members = [];
    for (const info of checker.getIndexInfosOfType(type)) {
      const key = this.print(info.keyType, where, depth + 1);
      members.push(
        `${info.isReadonly ? 'readonly ' : ''}[key: ${key}]: ${this.print(info.type, `${where}[${key}]`, depth + 1)}`,
      );
    }
    for (const prop of checker.getPropertiesOfType(type)) {
      const name = prop.getName();
      if (name.startsWith('__@') || name.startsWith('#')) {
        fail(`a symbol- or private-named property ${name} at ${where}`);
      }
      const optional = (prop.flags & ts.SymbolFlags.Optional) !== 0;
      const propType = checker.getTypeOfSymbol(prop);
      const key = identifier.test(name) ? name : JSON.stringify(name);
      members.push(`${key}${optional ? '?' : ''}: ${this.print(propType, `${where}.${name}`, depth + 1)}`);
    }
    return members.length === 0 ? '{}' : `{ ${members.join('; ')} }`;
  }
}

function isFromLib(symbol) {
  return (symbol.declarations ?? []).every((d) =>
    /[\\/]typescript[\\/]lib[\\/]lib\./.test(d.getSourceFile().fileName),
  );
}

function propertyType(checker, type, name, where) {
  const prop = checker.getPropertyOfType(type, name);
  if (!prop) fail(`no ${name} at ${where}`);
  return checker.getTypeOfSymbol(prop);
}

function exportedType(checker, sourceFile, name) {
  const moduleSymbol = checker.getSymbolAtLocation(sourceFile);
  const symbol = moduleSymbol && checker.getExportsOfModule(moduleSymbol).find((s) => s.name === name);
  if (!symbol) fail(`src/router.ts exports no ${name}`);
  return checker.getDeclaredTypeOfSymbol(symbol);
}

/** Every procedure of the record, depth first: `{ path, kind, input, output }`. */
function proceduresOf(checker, record, prefix = []) {
  const out = [];
  for (const prop of checker.getPropertiesOfType(record)) {
    const pathParts = [...prefix, prop.getName()];
    const where = pathParts.join('.');
    const type = checker.getTypeOfSymbol(prop);
    const def = checker.getPropertyOfType(type, '_def');
    if (!def) {
      out.push({ path: pathParts, router: true }, ...proceduresOf(checker, type, pathParts));
      continue;
    }
    const defType = checker.getTypeOfSymbol(def);
    const kindType = propertyType(checker, defType, 'type', where);
    if (!(kindType.flags & ts.TypeFlags.StringLiteral)) fail(`no procedure kind at ${where}`);
    const types = propertyType(checker, defType, '$types', where);
    out.push({
      path: pathParts,
      kind: kindType.value,
      input: propertyType(checker, types, 'input', where),
      output: propertyType(checker, types, 'output', where),
    });
  }
  return out;
}

const kindTypes = { query: 'TRPCQueryProcedure', mutation: 'TRPCMutationProcedure' };
const pascal = (parts) => parts.map((p) => p[0].toUpperCase() + p.slice(1)).join('');

/** The text of the generated router module, and the procedures' paths. */
function generateRouter(program) {
  const checker = program.getTypeChecker();
  const sourceFile = program.getSourceFile(routerSource);
  if (!sourceFile) fail('src/router.ts is missing');
  const printer = new TypePrinter(checker);
  const procedures = proceduresOf(checker, exportedType(checker, sourceFile, 'CardbridgeRouterRecord'));
  const errorShape = printer.print(exportedType(checker, sourceFile, 'CardbridgeErrorShape'), 'errorShape');

  // Inputs and outputs by name, so that a reader (and an editor's hover) sees one per procedure.
  const aliases = [];
  const alias = (text, name, doc) => {
    aliases.push(`/** The ${doc}. */\nexport type ${name} = ${text};`);
    return name;
  };

  const lines = [];
  const open = [];
  for (const p of procedures) {
    while (open.length > 0 && open.at(-1) !== p.path.slice(0, open.length).join('.')) {
      open.pop();
      lines.push(`${'  '.repeat(open.length + 1)}};`);
    }
    const indent = '  '.repeat(p.path.length);
    const key = p.path.at(-1);
    if (p.router) {
      lines.push(`${indent}${key}: {`);
      open.push(p.path.join('.'));
      continue;
    }
    const kind = kindTypes[p.kind];
    if (!kind) fail(`${p.path.join('.')} is a ${p.kind}: only queries and mutations are supported`);
    const where = p.path.join('.');
    const input = alias(
      printer.print(p.input, `${where} input`),
      `${pascal(p.path)}Input`,
      `input of ${where}`,
    );
    const output = alias(
      printer.print(p.output, `${where} output`),
      `${pascal(p.path)}Output`,
      `output of ${where}`,
    );
    lines.push(`${indent}${key}: ${kind}<{ input: ${input}; output: ${output}; meta: object }>;`);
  }
  while (open.length > 0) {
    open.pop();
    lines.push(`${'  '.repeat(open.length + 1)}};`);
  }

  const text = `/*
 * Generated by @cardbridge/client's scripts/build.mjs from the API's router: every procedure's
 * kind, input and output as plain types. The server's context is not part of it.
 */
import type { TRPCBuiltRouter, TRPCMutationProcedure, TRPCQueryProcedure } from '@trpc/server';

/** The shape of every error the API returns (\`TRPCClientError#shape\`; \`#data\` is its \`data\`). */
export type CardbridgeErrorShape = ${errorShape};

${aliases.join('\n\n')}

/** Every procedure by path, with its kind, input and output. */
export type CardbridgeRouterRecord = {
${lines.join('\n')}
};

/** The API's router as a client sees it: no context, no meta, no transformer. */
export type CardbridgeRouter = TRPCBuiltRouter<
  { ctx: object; meta: object; errorShape: CardbridgeErrorShape; transformer: false },
  CardbridgeRouterRecord
>;
`;
  return { text, procedures: procedures.filter((p) => !p.router) };
}

// ---------------------------------------------------------------------------------------------
// 2. and 3. Programs that see the generated router in place of src/router.ts.

function hostWith(options, files) {
  const host = ts.createCompilerHost(options, true);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const readFile = host.readFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    const text = files.get(path.resolve(fileName));
    if (text !== undefined) return ts.createSourceFile(fileName, text, languageVersion, true);
    return getSourceFile(fileName, languageVersion, onError, shouldCreate);
  };
  host.fileExists = (fileName) => files.has(path.resolve(fileName)) || fileExists(fileName);
  host.readFile = (fileName) => files.get(path.resolve(fileName)) ?? readFile(fileName);
  return host;
}

function checkAgainstServer(options, oldProgram, generated) {
  const generatedPath = path.join(srcDir, '__router-generated.ts');
  const access = (p) => p.path.map((s) => `[${JSON.stringify(s)}]`).join('');
  const checks = generated.procedures.flatMap((p, i) => [
    `type I${i} = Same<inferRouterInputs<Printed>${access(p)}, RouterInputs${access(p)}>; // ${p.path.join('.')} input`,
    `type O${i} = Same<inferRouterOutputs<Printed>${access(p)}, RouterOutputs${access(p)}>; // ${p.path.join('.')} output`,
    `export const c${i}: [I${i}, O${i}] = [true, true];`,
  ]);
  const check = `import type { RouterInputs, RouterOutputs } from '@cardbridge/api';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { CardbridgeRouter as Printed } from './__router-generated.js';
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
${checks.join('\n')}
`;
  const files = new Map([
    [generatedPath, generated.text],
    [checkFile, check],
  ]);
  const program = ts.createProgram({
    rootNames: [checkFile],
    options: { ...options, noEmit: true },
    host: hostWith(options, files),
    oldProgram,
  });
  const diagnostics = [
    ...program.getSyntacticDiagnostics(),
    ...program.getSemanticDiagnostics(program.getSourceFile(generatedPath)),
    ...program.getSemanticDiagnostics(program.getSourceFile(checkFile)),
  ];
  if (diagnostics.length > 0) {
    fail(`the printed router differs from AppRouter:\n${formatDiagnostics(diagnostics)}`);
  }
}

function emit(options, generated) {
  const emitOptions = {
    ...options,
    noEmit: false,
    declaration: true,
    outDir: distDir,
    rootDir: srcDir,
    sourceMap: false,
    declarationMap: false,
    removeComments: false,
  };
  const files = new Map([[routerSource, generated.text]]);
  const program = ts.createProgram({
    rootNames: [path.join(srcDir, 'index.ts')],
    options: emitOptions,
    host: hostWith(emitOptions, files),
  });
  const outside = program
    .getSourceFiles()
    .filter((f) => !f.isDeclarationFile && !f.fileName.startsWith(srcDir + path.sep));
  if (outside.length > 0) fail(`src/ reaches files outside it: ${outside.map((f) => f.fileName).join(', ')}`);
  const diagnostics = ts.getPreEmitDiagnostics(program);
  if (diagnostics.length > 0) fail(`compile errors:\n${formatDiagnostics(diagnostics)}`);
  const result = program.emit();
  if (result.emitSkipped || result.diagnostics.length > 0) {
    fail(`emit failed:\n${formatDiagnostics(result.diagnostics)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// 4. The declarations a consumer gets.

export function checkDeclarations(dir = distDir) {
  const problems = [];
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.d.ts')) continue;
    const text = readFileSync(path.join(dir, name), 'utf8');
    for (const word of forbiddenInDeclarations) {
      if (text.includes(word)) problems.push(`${name} mentions ${word}`);
    }
    if (/\/\/\/\s*<reference/.test(text)) problems.push(`${name} has a triple-slash reference`);
    const specifiers = [...text.matchAll(/(?:from\s+|import\s*\(\s*)['"]([^'"]+)['"]/g)].map((m) => m[1]);
    for (const s of specifiers) {
      if (!s.startsWith('./') && !allowedImports.has(s)) problems.push(`${name} imports ${s}`);
    }
  }
  if (problems.length > 0) fail(`the declarations leak the server:\n  ${problems.join('\n  ')}`);
}

export function build({ log = console.log } = {}) {
  const started = performance.now();
  const stages = [];
  const stage = (name, fn) => {
    const t = performance.now();
    const result = fn();
    stages.push(`${name} ${Math.round(performance.now() - t)} ms`);
    return result;
  };
  const options = readConfig();
  const program = stage('read', () => {
    const p = ts.createProgram({ rootNames: [routerSource], options: { ...options, noEmit: true } });
    const diagnostics = ts.getPreEmitDiagnostics(p, p.getSourceFile(routerSource));
    if (diagnostics.length > 0) fail(`src/router.ts:\n${formatDiagnostics(diagnostics)}`);
    return p;
  });
  const generated = stage('print', () => generateRouter(program));
  stage('compare', () => checkAgainstServer(options, program, generated));
  stage('emit', () => {
    rmSync(distDir, { recursive: true, force: true });
    mkdirSync(distDir, { recursive: true });
    emit(options, generated);
    checkDeclarations();
  });
  log(
    `@cardbridge/client: dist/ built, ${generated.procedures.length} procedures, ` +
      `${Math.round(performance.now() - started)} ms (${stages.join(', ')})`,
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    build();
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}
