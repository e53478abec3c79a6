// `flowwatch network fetch`: the describe-* data read with @aws-sdk/client-ec2 (the user's credentials and region:
// profile, environment, instance role), every page of it, as the same documents `network load` reads from files.

import {
  EC2Client,
  type EC2ClientConfig,
  EC2ServiceException,
  paginateDescribeInstances,
  paginateDescribeManagedPrefixLists,
  paginateDescribeNetworkAcls,
  paginateDescribeNetworkInterfaces,
  paginateDescribeRouteTables,
  paginateDescribeSecurityGroups,
  paginateDescribeSubnets,
  paginateDescribeVpcs,
  paginateGetManagedPrefixListEntries,
} from '@aws-sdk/client-ec2';
import { SourceError, UsageError } from '../core/errors.js';
import { type NetworkDocument, parseDocument } from './load.js';

export interface FetchOptions {
  readonly region?: string | undefined;
  readonly profile?: string | undefined;
  /** Another EC2 endpoint (LocalStack, a test server). */
  readonly endpoint?: string | undefined;
  /** Called after each page: the kind in words and the items so far. */
  readonly progress?: (what: string, items: number, pages: number) => void;
}

/** One describe call: its IAM action, the key of its items in the CLI's JSON, its paginator. */
interface Call {
  readonly action: string;
  readonly key: string;
  readonly what: string;
  readonly pages: (client: EC2Client) => AsyncIterable<object>;
}

const CALLS: readonly Call[] = [
  {
    action: 'ec2:DescribeSecurityGroups',
    key: 'SecurityGroups',
    what: 'security groups',
    pages: (client) => paginateDescribeSecurityGroups({ client }, {}),
  },
  {
    action: 'ec2:DescribeNetworkAcls',
    key: 'NetworkAcls',
    what: 'network ACLs',
    pages: (client) => paginateDescribeNetworkAcls({ client }, {}),
  },
  {
    action: 'ec2:DescribeNetworkInterfaces',
    key: 'NetworkInterfaces',
    what: 'network interfaces',
    pages: (client) => paginateDescribeNetworkInterfaces({ client }, {}),
  },
  {
    action: 'ec2:DescribeSubnets',
    key: 'Subnets',
    what: 'subnets',
    pages: (client) => paginateDescribeSubnets({ client }, {}),
  },
  {
    action: 'ec2:DescribeRouteTables',
    key: 'RouteTables',
    what: 'route tables',
    pages: (client) => paginateDescribeRouteTables({ client }, {}),
  },
  {
    action: 'ec2:DescribeInstances',
    key: 'Reservations',
    what: 'instance reservations',
    pages: (client) => paginateDescribeInstances({ client }, {}),
  },
  {
    action: 'ec2:DescribeVpcs',
    key: 'Vpcs',
    what: 'VPCs',
    pages: (client) => paginateDescribeVpcs({ client }, {}),
  },
  {
    action: 'ec2:DescribeManagedPrefixLists',
    key: 'PrefixLists',
    what: 'managed prefix lists',
    pages: (client) => paginateDescribeManagedPrefixLists({ client }, {}),
  },
];

/** A refused or failed call as a user error naming the permission or the cause. */
function failure(action: string, err: unknown, endpoint: string | undefined): Error {
  if (err instanceof EC2ServiceException || (err instanceof Error && '$metadata' in err)) {
    const code = (err as Error).name;
    if (code === 'UnauthorizedOperation' || code === 'AccessDenied' || code === 'AccessDeniedException')
      return new SourceError(
        'NETWORK_FETCH_DENIED',
        action,
        `not allowed: the credentials lack the IAM permission ${action} (${code}: ${(err as Error).message})`,
        `grant ${action} (all describe calls are in the AWS managed policy AmazonEC2ReadOnlyAccess), or save the output of aws ec2 describe-* and use flowwatch network load`,
      );
    if (code === 'AuthFailure' || code === 'UnrecognizedClientException' || code === 'InvalidClientTokenId')
      return new SourceError(
        'NETWORK_FETCH_AUTH',
        action,
        `AWS refused the credentials (${code}: ${(err as Error).message})`,
        'check the profile or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), e.g. with aws sts get-caller-identity',
      );
    return new SourceError('NETWORK_FETCH_FAILED', action, `${code}: ${(err as Error).message}`);
  }
  const message = err instanceof Error ? err.message : String(err);
  if (/region is missing/i.test(message))
    return new UsageError(
      'NETWORK_FETCH_REGION',
      'no AWS region: the SDK found none in --region, AWS_REGION or the profile',
      'give --region us-east-1 (the region of the VPCs whose flow logs you explain)',
    );
  if (/credential/i.test(message))
    return new UsageError(
      'NETWORK_FETCH_CREDENTIALS',
      `no AWS credentials: ${message}`,
      'give --profile NAME, or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run where an instance or task role applies',
    );
  return new SourceError(
    'NETWORK_FETCH_FAILED',
    action,
    `${message}${endpoint ? ` (endpoint ${endpoint})` : ''}`,
    'check the network and --endpoint-url',
  );
}

/**
 * Reads every page of the eight describe calls (and each customer-managed prefix list's entries) and returns the
 * documents `network load` would read from the CLI's JSON files, checked the same way.
 *
 * @example const docs = await fetchDocuments({ region: 'eu-west-1', profile: 'audit' })
 */
export async function fetchDocuments(opts: FetchOptions): Promise<NetworkDocument[]> {
  const config: EC2ClientConfig = { maxAttempts: 3 };
  if (opts.region !== undefined) config.region = opts.region;
  if (opts.profile !== undefined) config.profile = opts.profile;
  if (opts.endpoint !== undefined) config.endpoint = opts.endpoint;
  const client = new EC2Client(config);
  const docs: NetworkDocument[] = [];
  try {
    for (const call of CALLS) {
      const items: unknown[] = [];
      let pages = 0;
      try {
        for await (const page of call.pages(client)) {
          pages++;
          items.push(...(((page as Record<string, unknown>)[call.key] as unknown[] | undefined) ?? []));
          opts.progress?.(call.what, items.length, pages);
        }
      } catch (err) {
        throw failure(call.action, err, opts.endpoint);
      }
      docs.push(parseDocument(`${call.action} (fetched)`, JSON.stringify({ [call.key]: items })));
      if (call.key === 'PrefixLists')
        for (const pl of items as { PrefixListId?: string }[]) {
          if (pl.PrefixListId === undefined) continue;
          const entries: unknown[] = [];
          let plPages = 0;
          try {
            for await (const page of paginateGetManagedPrefixListEntries(
              { client },
              { PrefixListId: pl.PrefixListId },
            )) {
              plPages++;
              entries.push(...(page.Entries ?? []));
              opts.progress?.(`entries of ${pl.PrefixListId}`, entries.length, plPages);
            }
          } catch (err) {
            throw failure('ec2:GetManagedPrefixListEntries', err, opts.endpoint);
          }
          docs.push(parseDocument(`${pl.PrefixListId}.json (fetched)`, JSON.stringify({ Entries: entries })));
        }
    }
  } finally {
    client.destroy();
  }
  return docs;
}
