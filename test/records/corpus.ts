// Loads the third-party conformance data copied under test/fixtures/corpus (see each folder's PROVENANCE.md).

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../fixtures/corpus/', import.meta.url));

function load<T>(file: string): T {
  return JSON.parse(readFileSync(`${ROOT}${file}`, 'utf8')) as T;
}

/** A JSON value of an expected record: text, integer, or null for `-`. */
export type Expected = string | number | null;

/** aws-docs-vpc-flow-logs/field-table.json (Amazon VPC User Guide, CC BY-SA 4.0). */
export interface AwsFieldTable {
  readonly fields: readonly { field: string; version: number; parquet_type: string }[];
}

/** aws-docs-vpc-flow-logs/flow-log-record-examples.json (Amazon VPC User Guide, CC BY-SA 4.0). */
export interface AwsRecordExamples {
  readonly cases: readonly {
    section: string;
    format: string;
    input_as_published: string;
    input: string;
    meaning: string;
    note?: string;
    doc_annotation?: string;
    expect: Record<string, Expected>;
  }[];
}

/** vrl-parse-aws-vpc-flow-log/parse_aws_vpc_flow_log.json (vectordotdev/vrl, MPL-2.0). */
export interface VrlDocs {
  readonly examples: readonly { title: string; source: string; return: Record<string, Expected> }[];
}

/** vrl-parse-aws-vpc-flow-log/test-vectors.json (vectordotdev/vrl, MPL-2.0). */
export interface VrlVectors {
  readonly groups_must_parse: readonly { format: string; format_given: boolean; lines: readonly string[] }[];
  readonly full_expectations: readonly {
    name: string;
    input: string;
    format: string | null;
    expected: Record<string, Expected>;
  }[];
}

/** flowlogs-reader/test-vectors.json (obsrvbl/flowlogs-reader, Apache-2.0). */
export interface FlowlogsReaderVectors {
  readonly cloudwatch_message_cases: readonly {
    name: string;
    input?: string;
    inputs?: readonly string[];
    expected?: Record<string, Expected>;
    expected_partial?: Record<string, Expected>;
    expected_str?: string;
    expected_distinct_records?: number;
  }[];
  readonly all_v2_records: readonly string[];
  readonly s3_file_cases: readonly {
    name: string;
    file_text: string;
    expected: Record<string, Expected>[];
  }[];
}

export const awsFieldTable = (): AwsFieldTable => load('aws-docs-vpc-flow-logs/field-table.json');
export const awsRecordExamples = (): AwsRecordExamples =>
  load('aws-docs-vpc-flow-logs/flow-log-record-examples.json');
export const vrlDocs = (): VrlDocs => load('vrl-parse-aws-vpc-flow-log/parse_aws_vpc_flow_log.json');
export const vrlVectors = (): VrlVectors => load('vrl-parse-aws-vpc-flow-log/test-vectors.json');
export const flowlogsReader = (): FlowlogsReaderVectors => load('flowlogs-reader/test-vectors.json');

/**
 * Unix seconds of a naive-UTC ISO datetime as flowlogs-reader writes them (`2015-08-12T13:47:43`, or with a
 * space instead of the `T` as in its `str()` output).
 */
export function isoToUnix(iso: string): number {
  const ms = Date.parse(`${iso.replace(' ', 'T')}Z`);
  if (Number.isNaN(ms)) throw new Error(`not an ISO datetime: ${iso}`);
  return ms / 1000;
}
