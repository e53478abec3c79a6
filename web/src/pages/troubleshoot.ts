// Troubleshoot: "why was this rejected?" Pick one of the top rejected flows of the time range (each with the rule
// responsible) or describe a flow (source, destination, port, protocol); the server judges it against the network
// configuration snapshot in force (POST /api/network/explain, what `flowwatch explain` does) and the page shows
// the verdict chain with the blocking rule highlighted and the fix as an AWS CLI command and a CDK statement.
// Without a snapshot the page says so loudly, with the commands that load one.

import { ApiError, type ExplainResponse, type NetworkRejectsResponse, type Range } from '../lib/api.js';
import { codeBlock } from '../lib/copy.js';
import { h, replaceChildren, uid } from '../lib/dom.js';
import { formatNumber, formatTime } from '../lib/format.js';
import { card, protocolName } from '../lib/layout.js';
import { type Page, type PageContext, PageShell } from '../lib/page.js';
import { navigate, type Route, withParams } from '../lib/router.js';
import { empty, loading } from '../lib/states.js';
import { renderTable } from '../lib/table.js';
import { parseInstant, rangeFromParams, resolveRange } from '../lib/time-range.js';

type Flow = NetworkRejectsResponse['flows'][number];
type Group = NetworkRejectsResponse['groups'][number];
type Step = ExplainResponse['steps'][number];

/** URL parameters of the flow being explained. */
const FLOW_PARAMS = [
  'src',
  'dst',
  'sport',
  'dport',
  'proto',
  'eni',
  'at',
  'logged',
  'flags',
  'dir',
  'reason',
] as const;

/** The URL parameters that explain a stored (logged) flow. */
export function flowParams(f: Flow): Record<string, string | null> {
  return {
    src: f.srcaddr,
    dst: f.dstaddr,
    sport: String(f.srcport),
    dport: String(f.dstport),
    proto: String(f.protocol),
    eni: f.interfaceId,
    at: String(f.lastSeen),
    logged: '1',
    flags: f.tcpFlags === null ? null : String(f.tcpFlags),
    dir: f.flowDirection,
    reason: f.rejectReason,
  };
}

const step = (s: Step): string => JSON.stringify(s);

class TroubleshootPage extends PageShell {
  private readonly snapshot = h('div', { 'data-testid': 'troubleshoot-snapshot' });
  private readonly inputs: Record<
    'src' | 'dst' | 'dport' | 'sport' | 'proto' | 'eni' | 'at',
    HTMLInputElement
  >;
  private readonly result = h('div', { 'data-testid': 'troubleshoot-result' });
  private readonly flows = h('div', {}, loading());
  private readonly groups = h('div', {}, loading());

  constructor(private readonly ctx: PageContext) {
    super('troubleshoot', 'Troubleshoot', 'Troubleshoot: why was this rejected?');
    const input = (name: keyof TroubleshootPage['inputs'], label: string, attrs: Record<string, string>) => {
      const id = uid(name);
      const el = h('input', {
        id,
        name,
        'data-testid': `explain-${name}`,
        autocomplete: 'off',
        spellcheck: 'false',
        ...attrs,
      });
      return { el, field: h('div', { class: 'field' }, h('label', { for: id }, label), el) };
    };
    const src = input('src', 'Source (client)', { placeholder: '203.0.113.9', required: 'true' });
    const dst = input('dst', 'Destination (server)', { placeholder: '10.0.1.10', required: 'true' });
    const dport = input('dport', 'Port', { placeholder: '22', inputmode: 'numeric', pattern: '\\d{1,5}' });
    const proto = input('proto', 'Protocol', { placeholder: 'tcp', list: 'explain-protocols' });
    const sport = input('sport', 'Source port', {
      placeholder: 'ephemeral',
      inputmode: 'numeric',
      pattern: '\\d{1,5}',
    });
    const eni = input('eni', 'Interface (optional)', { placeholder: 'eni-…' });
    const at = input('at', 'When (UTC, default now)', { placeholder: '2024-05-20 10:15' });
    this.inputs = {
      src: src.el,
      dst: dst.el,
      dport: dport.el,
      proto: proto.el,
      sport: sport.el,
      eni: eni.el,
      at: at.el,
    };
    const form = h(
      'form',
      { class: 'filter-form', 'aria-label': 'Describe a flow' },
      src.field,
      dst.field,
      dport.field,
      proto.field,
      sport.field,
      eni.field,
      at.field,
      h(
        'datalist',
        { id: 'explain-protocols' },
        ['tcp', 'udp', 'icmp', 'icmpv6'].map((p) => h('option', { value: p })),
      ),
      h(
        'div',
        { class: 'field buttons' },
        h('button', { type: 'submit', class: 'primary', 'data-testid': 'explain-submit' }, 'Explain'),
      ),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.submit();
    });
    this.body.append(
      this.snapshot,
      card('Describe a flow', [form, this.result], { testid: 'card-explain', wide: true }),
      card('Top rejected flows', this.flows, { testid: 'card-rejected-flows', wide: true }),
      card('Rejected traffic by the rule responsible', this.groups, {
        testid: 'card-reject-groups',
        wide: true,
      }),
    );
  }

  update(route: Route): void {
    this.route = route;
    const p = route.params;
    for (const [k, el] of Object.entries(this.inputs)) el.value = p.get(k) ?? '';
    const range = resolveRange(rangeFromParams(p));
    const wanted = Boolean(p.get('src') && p.get('dst'));
    replaceChildren(
      this.result,
      wanted
        ? loading('Judging the flow against the configuration…')
        : h('p', { class: 'muted' }, 'Describe a flow above, or pick one of the rejected flows below.'),
    );
    void this.run('rejects', async (signal) => {
      const r = await this.ctx.api.networkRejects(range, 20, signal);
      this.renderSnapshot(r);
      this.renderFlows(r);
      this.renderGroups(r.groups, r);
      // Without a snapshot nothing can be explained: say so in place of the answer instead of asking.
      if (wanted && r.snapshots.length === 0)
        replaceChildren(this.result, this.noSnapshot(`load: ${r.loadCommand ?? ''}`));
      else if (wanted) this.explain(p, range);
    });
  }

  private submit(): void {
    const v = (k: keyof TroubleshootPage['inputs']) => this.inputs[k].value.trim() || null;
    const changes: Record<string, string | null> = {};
    for (const k of FLOW_PARAMS) changes[k] = null;
    navigate(
      withParams(this.route!, {
        ...changes,
        src: v('src'),
        dst: v('dst'),
        dport: v('dport'),
        proto: v('proto'),
        sport: v('sport'),
        eni: v('eni'),
        at: v('at'),
      }),
    );
  }

  private explain(p: URLSearchParams, range: Range): void {
    const num = (k: string) => {
      const v = p.get(k);
      return v === null || v === '' || !/^\d+$/.test(v) ? undefined : Number(v);
    };
    const atText = p.get('at');
    const time = atText ? parseInstant(atText) : undefined;
    void this.run('explain', async (signal) => {
      if (atText && time === undefined)
        throw new ApiError(
          400,
          'BAD_TIME',
          `"${atText}" is not a time`,
          'e.g. 2024-05-20 10:15 (UTC) or unix seconds',
        );
      const logged = p.get('logged') === '1';
      const body = {
        whatIf: range,
        src: p.get('src')!,
        dst: p.get('dst')!,
        ...(num('sport') !== undefined ? { srcPort: num('sport')! } : {}),
        ...(num('dport') !== undefined ? { dstPort: num('dport')! } : {}),
        ...(p.get('proto') ? { protocol: p.get('proto')! } : {}),
        ...(p.get('eni') ? { interface: p.get('eni')! } : {}),
        ...(time !== undefined ? { time } : {}),
        ...(logged
          ? {
              asLogged: true,
              ...(num('flags') !== undefined ? { tcpFlags: num('flags')! } : {}),
              ...(p.get('dir') ? { flowDirection: p.get('dir')! } : {}),
              ...(p.get('reason') ? { rejectReason: p.get('reason')! } : {}),
            }
          : {}),
      };
      try {
        this.renderResult(await this.ctx.api.explain(body, signal));
      } catch (err) {
        if (err instanceof ApiError && err.code === 'NETWORK_NO_SNAPSHOT') {
          replaceChildren(this.result, this.noSnapshot(err.hint ?? ''));
          return;
        }
        replaceChildren(this.result);
        throw err;
      }
    });
  }

  private noSnapshot(hint: string): HTMLElement {
    const command = hint.replace(/^[^:]*:\s*/, '');
    return h(
      'div',
      { class: 'banner banner-warn', role: 'alert', 'data-testid': 'no-snapshot' },
      h('strong', {}, 'No network configuration is loaded, so no reject can be explained.'),
      h(
        'div',
        { class: 'banner-hint' },
        'flowwatch judges flows against a snapshot of the security groups, network ACLs, interfaces and subnets (the JSON that aws ec2 describe-* prints). Load one, with the time it was in force (--at) if it is older:',
      ),
      codeBlock(command.split('; ').join('\n'), { label: 'Copy commands', testid: 'load-command' }),
    );
  }

  private renderSnapshot(r: NetworkRejectsResponse): void {
    if (r.snapshots.length === 0) {
      replaceChildren(
        this.snapshot,
        this.noSnapshot(`load: ${r.loadCommand ?? 'flowwatch network load <describe-*.json>'}`),
      );
      return;
    }
    const last = r.snapshots[r.snapshots.length - 1]!;
    replaceChildren(
      this.snapshot,
      h(
        'p',
        { class: 'muted' },
        `${r.snapshots.length} configuration snapshot${r.snapshots.length === 1 ? '' : 's'} loaded; the newest in force from ${formatTime(last.takenAt)} UTC (${last.sources.length} files). Each flow is judged against the snapshot in force at its time.`,
      ),
      r.warnings.map((w) =>
        h(
          'div',
          { class: 'banner banner-warn', role: 'alert', 'data-testid': 'rejects-warning' },
          h('strong', {}, w),
        ),
      ),
    );
  }

  private renderFlows(r: NetworkRejectsResponse): void {
    replaceChildren(
      this.flows,
      h(
        'p',
        { class: 'results-meta' },
        `${formatNumber(r.rejects)} rejected records in this time range; the ${r.flows.length} largest flows:`,
      ),
      renderTable<Flow>({
        testid: 'rejected-flows',
        rows: r.flows,
        empty: 'No rejected record in this time range. Widen the time range, or describe a flow above.',
        columns: [
          {
            label: '',
            cell: (f) =>
              h(
                'button',
                {
                  type: 'button',
                  class: 'small',
                  'data-testid': 'explain-flow',
                  onclick: () => {
                    navigate(withParams(this.route!, flowParams(f)));
                    this.result.scrollIntoView({ block: 'nearest' });
                  },
                },
                'Explain',
              ),
          },
          { label: 'Records', numeric: true, cell: (f) => formatNumber(f.records) },
          { label: 'Source', cell: (f) => h('span', { class: 'mono' }, `${f.srcaddr}:${f.srcport}`) },
          { label: 'Destination', cell: (f) => h('span', { class: 'mono' }, `${f.dstaddr}:${f.dstport}`) },
          { label: 'Protocol', cell: (f) => protocolName(f.protocol) },
          { label: 'Interface', cell: (f) => f.interfaceId ?? '–' },
          { label: 'Direction', cell: (f) => f.flowDirection ?? '–' },
          {
            label: 'Responsible',
            cell: (f) => h('span', { class: 'reason' }, f.responsible ?? 'not explained (no snapshot)'),
          },
          { label: 'Last (UTC)', nowrap: true, cell: (f) => formatTime(f.lastSeen) },
        ],
      }),
    );
  }

  private renderGroups(groups: readonly Group[], r: NetworkRejectsResponse): void {
    replaceChildren(
      this.groups,
      renderTable<Group>({
        testid: 'reject-groups',
        rows: groups,
        empty:
          r.snapshots.length === 0
            ? 'Load a snapshot (above) to group the rejects by rule.'
            : 'No rejected record in this time range.',
        columns: [
          { label: 'Responsible', cell: (g) => h('strong', {}, g.responsible) },
          { label: 'Records', numeric: true, cell: (g) => formatNumber(g.records) },
          { label: 'Flows', numeric: true, cell: (g) => formatNumber(g.flows) },
          { label: 'For example', cell: (g) => h('span', { class: 'reason' }, g.conclusion) },
        ],
      }),
    );
  }

  private renderResult(e: ExplainResponse): void {
    const blocking = e.blocking ? step(e.blocking) : undefined;
    const tone =
      e.decision === 'REJECT'
        ? 'state-alarm'
        : e.decision === 'ACCEPT'
          ? 'state-ok'
          : 'state-insufficient_data';
    const c = e.connection;
    replaceChildren(
      this.result,
      h(
        'div',
        { class: 'verdict', 'data-decision': e.decision },
        h('span', { class: `badge ${tone}`, 'data-testid': 'explain-decision' }, e.decision),
        ' ',
        h('strong', { 'data-testid': 'explain-conclusion' }, e.conclusion),
      ),
      h(
        'p',
        { class: 'muted small' },
        `connection ${c.client}:${c.clientPort} → ${c.server}:${c.serverPort} ${protocolName(c.protocol)}; the record is the ${e.role}. `,
        `Judged against snapshot ${e.snapshot.id} (configuration as of ${e.snapshot.takenAt.replace('T', ' ').replace('Z', ' UTC')}).`,
      ),
      e.snapshot.predatesFlow
        ? h(
            'div',
            { class: 'banner banner-warn', role: 'alert', 'data-testid': 'explain-predates' },
            h('strong', {}, 'The flow predates every snapshot: judged against the earliest.'),
            h(
              'div',
              { class: 'banner-hint' },
              'Load the configuration of that time to be sure: flowwatch network load <files> --at <time>',
            ),
          )
        : null,
      e.interfaces.length > 0
        ? h(
            'ul',
            { class: 'plain-list' },
            e.interfaces.map((i) =>
              h(
                'li',
                {},
                h('span', { class: 'mono' }, i.interfaceId),
                ': ',
                [
                  i.instanceId
                    ? `${i.instanceId}${i.instanceName ? ` "${i.instanceName}"` : ''}`
                    : (i.kind ?? ''),
                  i.subnetId ? `${i.subnetId}${i.subnetName ? ` "${i.subnetName}"` : ''}` : '',
                  i.groups.map((g) => `${g.id}${g.name ? ` (${g.name})` : ''}`).join(', '),
                ]
                  .filter(Boolean)
                  .join(', '),
              ),
            ),
          )
        : null,
      h('h3', { class: 'small-head' }, 'The path, request then reply'),
      h(
        'ol',
        { class: 'verdict-chain', 'data-testid': 'verdict-chain' },
        e.steps.map((s) => {
          const isBlocking = step(s) === blocking;
          return h(
            'li',
            {
              class: `chain-step decision-${s.decision}${isBlocking ? ' blocking' : ''}`,
              'data-testid': isBlocking ? 'blocking-step' : 'chain-step',
              'data-control': s.control,
              'data-decision': s.decision,
            },
            h(
              'div',
              { class: 'chain-head' },
              h(
                'span',
                {
                  class: `badge ${s.decision === 'deny' ? 'state-alarm' : s.decision === 'allow' ? 'state-ok' : 'state-insufficient_data'}`,
                },
                s.decision,
              ),
              h('strong', {}, ` ${s.packet}: ${s.control.replace('-', ' ')} `),
              h(
                'span',
                { class: 'muted' },
                `${s.ids.join('+')} ${s.boundary} at ${s.interfaceId}, ${s.traffic}`,
              ),
              isBlocking ? h('span', { class: 'blocking-tag' }, ' ← blocks the flow') : null,
            ),
            h('div', { class: 'chain-rule mono' }, s.rule),
          );
        }),
      ),
      e.fix
        ? [
            h('h3', { class: 'small-head' }, 'The fix: the smallest rule that allows the flow (AWS CLI)'),
            codeBlock(e.fix, { label: 'Copy command', testid: 'fix-cli' }),
          ]
        : null,
      e.fixCdk
        ? [
            h(
              'h3',
              { class: 'small-head' },
              "The same as CDK (aws-cdk-lib v2, in a Stack; import * as ec2 from 'aws-cdk-lib/aws-ec2';)",
            ),
            codeBlock(e.fixCdk, { label: 'Copy CDK', testid: 'fix-cdk' }),
          ]
        : null,
      e.decision === 'REJECT' && !e.fix
        ? h('p', { class: 'muted' }, 'No rule change would allow this flow (see the evidence and notes).')
        : null,
      e.whatIf ? this.whatIf(e.whatIf) : null,
      this.list('Evidence from the flow log', e.evidence, 'explain-evidence'),
      this.list('Likely causes', e.causes, 'explain-causes'),
      this.list('Notes', e.notes, 'explain-notes'),
    );
    if (e.steps.length === 0) this.result.append(empty('No control was evaluated.'));
  }

  /** What the fix would change in the stored flows of the time range. */
  private whatIf(w: NonNullable<ExplainResponse['whatIf']>): HTMLElement {
    type G = NonNullable<ExplainResponse['whatIf']>['groups'][number];
    const t = w.totals;
    return h(
      'div',
      { 'data-testid': 'what-if' },
      h('h3', { class: 'small-head' }, 'What the fix would change (stored flows of the time range)'),
      h(
        'p',
        { 'data-testid': 'what-if-summary' },
        `Of ${formatNumber(w.judged.records)} records (${formatNumber(w.judged.rejects)} REJECT, ${formatNumber(w.judged.accepts)} ACCEPT) from ${formatTime(w.since)} to ${formatTime(w.until)} UTC: `,
        h('strong', {}, `${formatNumber(t['becomes-accepted'])} rejected would be accepted`),
        `, ${formatNumber(t['becomes-rejected'])} accepted would be rejected`,
        t['rejected-elsewhere'] > 0
          ? `, ${formatNumber(t['rejected-elsewhere'])} would still be rejected by another rule`
          : '',
        '.',
      ),
      renderTable<G>({
        testid: 'what-if-groups',
        rows: w.groups,
        empty: 'No stored flow of the time range changes verdict.',
        columns: [
          { label: 'Change', cell: (g) => g.transition.replace('-', ' ') },
          { label: 'Flow', cell: (g) => h('span', { class: 'mono' }, g.flow) },
          { label: 'Records', numeric: true, cell: (g) => formatNumber(g.records) },
          { label: 'Before', cell: (g) => h('span', { class: 'reason' }, g.before) },
          { label: 'After', cell: (g) => h('span', { class: 'reason' }, g.after) },
        ],
      }),
    );
  }

  private list(title: string, items: readonly string[], testid: string): HTMLElement | null {
    if (items.length === 0) return null;
    return h(
      'div',
      {},
      h('h3', { class: 'small-head' }, title),
      h(
        'ul',
        { class: 'plain-list', 'data-testid': testid },
        items.map((x) => h('li', {}, x)),
      ),
    );
  }
}

export function troubleshootPage(ctx: PageContext): Page {
  return new TroubleshootPage(ctx);
}
