// The loud banners of the views over flow-log fields: a warning of the API that names a field the stored
// format lacks (`add ${encryption-status} to the flow log format (version 10+)`) becomes a banner with the
// `aws ec2 create-flow-logs --log-format` command that adds it; any other warning a plain note.

import { h } from './dom.js';

/** The default format's fields, the start of every suggested --log-format. */
const DEFAULT_FIELDS =
  '${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}';

/**
 * How to get fields into stored records: AWS cannot change a flow log's format, so a new flow log is needed.
 *
 * @example addFieldHelp(['encryption-status'])
 */
export function addFieldHelp(fields: string | readonly string[]): HTMLElement {
  const list = typeof fields === 'string' ? [fields] : fields;
  const extra = list.map((f) => `\${${f}}`).join(' ');
  return h(
    'div',
    { class: 'banner-hint' },
    `A flow log's format cannot be changed after it is created: create a new flow log whose format includes ${extra}, e.g. `,
    h(
      'code',
      { class: 'wrap', 'data-testid': 'create-flow-logs' },
      `aws ec2 create-flow-logs --resource-type VPC --resource-ids vpc-… --traffic-type ALL --log-destination-type s3 --log-destination arn:aws:s3:::BUCKET --log-format '${DEFAULT_FIELDS} ${extra}'`,
    ),
    ' (or the format option of the @flowwatch/cdk construct), then delete the old flow log. Records already stored keep their format.',
  );
}

/** The first field a warning says is missing (`add ${vpc-id} …`), if any. */
export function missingField(warning: string): string | undefined {
  return missingFields(warning)[0];
}

/** Every field a warning says to add (`add ${az-id} ${next-hop-az-id} ${flow-direction} …`), in order. */
export function missingFields(warning: string): string[] {
  const at = warning.search(/\badd \$\{/);
  if (at < 0) return [];
  const base = new Set(DEFAULT_FIELDS.match(/[a-z0-9-]+(?=\})/g));
  const out: string[] = [];
  for (const m of warning.slice(at).matchAll(/\$\{([a-z0-9-]+)\}/g)) {
    const f = m[1]!;
    if (!out.includes(f) && !base.has(f)) out.push(f);
  }
  return out;
}

/**
 * One banner per warning: `data-missing-field` names the (first) missing field, the hint gives the command.
 *
 * @example replaceChildren(el, fieldWarningBanners(report.warnings, 'encryption-warning'))
 */
export function fieldWarningBanners(warnings: readonly string[], testid: string): HTMLElement[] {
  return warnings.map((w) => {
    const fields = missingFields(w);
    return h(
      'div',
      {
        class: 'banner banner-warn',
        role: 'alert',
        'data-testid': testid,
        ...(fields.length > 0 ? { 'data-missing-field': fields.join(' ') } : {}),
      },
      h(
        'strong',
        {},
        fields.length > 0 ? `Missing ${fields.map((f) => `\${${f}}`).join(' ')}: ` : 'Note: ',
        w,
      ),
      fields.length > 0 ? addFieldHelp(fields) : null,
    );
  });
}
