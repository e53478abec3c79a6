// The enricher of a store: packaged country/ASN data plus the AWS ranges loaded into the store, if any.

import { enrichmentData } from '../storage/enrichment-data.js';
import type { Store } from '../storage/store.js';
import { parseAwsRanges } from './aws-ranges.js';
import { Enricher } from './enricher.js';

/** The kind under which ip-ranges.json is stored. */
export const AWS_RANGES_KIND = 'aws-ip-ranges';

/**
 * An Enricher for `store`'s records: AWS service/region when ip-ranges.json was loaded
 * (`flowwatch enrich load-aws-ranges`), AS and country always.
 *
 * @example (await enricherOf(store)).label('52.95.110.1')
 */
export async function enricherOf(store: Store): Promise<Enricher> {
  const aws = await enrichmentData(store, AWS_RANGES_KIND);
  return new Enricher(aws ? parseAwsRanges(aws.body, aws.source) : undefined);
}
