// Athena over the S3 flow logs: a Glue database and table (partition projection matching the S3 layout), a
// workgroup with its own encrypted result bucket, and the named queries of the Athena query library.

import { Aws, Duration, Names, type RemovalPolicy } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { FieldDef } from 'flowwatch/catalog';
import { athenaQueriesFor } from './athena-queries.js';
import {
  athenaColumns,
  type FlowLogLayout,
  partitionKeys,
  serde,
  tableLocation,
  tableParameters,
} from './athena-table.js';
import { FlowLogMonitoringError } from './errors.js';
import { secureBucket } from './secure-bucket.js';

/**
 * Options of the Athena resources.
 *
 * @example const a: AthenaOptions = { databaseName: 'network', tableName: 'vpc_flow_logs' };
 */
export interface AthenaOptions {
  /** Glue database (lowercase letters, digits, `_`). @default - derived from the construct path */
  readonly databaseName?: string;
  /** @default 'flow_logs' */
  readonly tableName?: string;
  /** @default - derived from the construct path */
  readonly workGroupName?: string;
  /** First year the `year` partition projects. @default 2024 */
  readonly startYear?: number;
  /** Delete query results this old. @default Duration.days(30) */
  readonly resultsExpiration?: Duration;
  /** Cancel queries that would scan more bytes than this. @default - no limit */
  readonly bytesScannedCutoffPerQuery?: number;
}

/** Props of {@link FlowLogAthena}. */
export interface FlowLogAthenaProps extends AthenaOptions {
  readonly fields: readonly FieldDef[];
  readonly layout: Omit<FlowLogLayout, 'startYear' | 'account' | 'region'>;
  readonly removalPolicy: RemovalPolicy;
  readonly accessLogs: s3.IBucket | undefined;
}

const GLUE_NAME = /^[a-z0-9_]{1,255}$/;
const WORKGROUP_NAME = /^[A-Za-z0-9._-]{1,128}$/;

function checkName(value: string, pattern: RegExp, key: string, expected: string): string {
  if (!pattern.test(value)) {
    throw new FlowLogMonitoringError('ATHENA_BAD_NAME', `athena.${key}: "${value}" is not valid`, expected);
  }
  return value;
}

/**
 * The Glue database and table, the workgroup and the named queries.
 *
 * @example new FlowLogAthena(this, 'Athena', { fields, layout, removalPolicy, accessLogs: undefined });
 */
export class FlowLogAthena extends Construct {
  readonly databaseName: string;
  readonly tableName: string;
  readonly workGroupName: string;
  readonly table: glue.CfnTable;
  readonly workGroup: athena.CfnWorkGroup;
  readonly resultsBucket: s3.Bucket;
  readonly namedQueries: ReadonlyMap<string, athena.CfnNamedQuery>;

  constructor(scope: Construct, id: string, props: FlowLogAthenaProps) {
    super(scope, id);
    const unique = Names.uniqueResourceName(this, { maxLength: 64 });
    this.databaseName = checkName(
      props.databaseName ?? unique.toLowerCase().replace(/[^a-z0-9_]/g, '_'),
      GLUE_NAME,
      'databaseName',
      'lowercase letters, digits and _',
    );
    this.tableName = checkName(
      props.tableName ?? 'flow_logs',
      GLUE_NAME,
      'tableName',
      'lowercase letters, digits and _',
    );
    this.workGroupName = checkName(
      props.workGroupName ?? Names.uniqueResourceName(this, { maxLength: 128, separator: '-' }),
      WORKGROUP_NAME,
      'workGroupName',
      'letters, digits, ".", "_" and "-" (at most 128)',
    );
    const startYear = props.startYear ?? 2024;
    if (!Number.isInteger(startYear) || startYear < 2015 || startYear > 2100) {
      throw new FlowLogMonitoringError(
        'ATHENA_BAD_START_YEAR',
        `athena.startYear: ${startYear} is not a year from 2015 to 2100`,
      );
    }
    const layout: FlowLogLayout = { ...props.layout, account: Aws.ACCOUNT_ID, region: Aws.REGION, startYear };
    const database = new glue.CfnDatabase(this, 'Database', {
      catalogId: Aws.ACCOUNT_ID,
      databaseInput: { name: this.databaseName, description: 'VPC flow logs (flowwatch)' },
    });
    const s = serde(layout.fileFormat);
    this.table = new glue.CfnTable(this, 'Table', {
      catalogId: Aws.ACCOUNT_ID,
      databaseName: this.databaseName,
      tableInput: {
        name: this.tableName,
        description: `Flow log records: ${props.fields.map((f) => f.aws).join(' ')}`.slice(0, 2048),
        tableType: 'EXTERNAL_TABLE',
        parameters: tableParameters(layout),
        partitionKeys: partitionKeys(layout),
        storageDescriptor: {
          columns: athenaColumns(props.fields),
          location: tableLocation(layout),
          inputFormat: s.inputFormat,
          outputFormat: s.outputFormat,
          serdeInfo: { serializationLibrary: s.serializationLibrary, parameters: s.parameters },
        },
      },
    });
    this.table.node.addDependency(database);
    this.resultsBucket = secureBucket(this, 'Results', {
      removalPolicy: props.removalPolicy,
      accessLogs: props.accessLogs,
      accessLogsPrefix: 'athena-results/',
      lifecycleRules: [
        {
          id: 'expire-query-results',
          expiration: props.resultsExpiration ?? Duration.days(30),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });
    this.workGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: this.workGroupName,
      description: 'Queries over VPC flow logs (flowwatch)',
      state: 'ENABLED',
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        ...(props.bytesScannedCutoffPerQuery !== undefined
          ? { bytesScannedCutoffPerQuery: props.bytesScannedCutoffPerQuery }
          : {}),
        resultConfiguration: {
          outputLocation: `s3://${this.resultsBucket.bucketName}/`,
          encryptionConfiguration: { encryptionOption: 'SSE_S3' },
        },
      },
    });
    const queries = new Map<string, athena.CfnNamedQuery>();
    for (const q of athenaQueriesFor(props.fields, `"${this.databaseName}"."${this.tableName}"`)) {
      const named = new athena.CfnNamedQuery(this, `Query-${q.name}`, {
        name: q.name,
        description: q.title,
        database: this.databaseName,
        queryString: q.sql,
        workGroup: this.workGroup.ref,
      });
      named.node.addDependency(this.table);
      queries.set(q.name, named);
    }
    this.namedQueries = queries;
  }
}
