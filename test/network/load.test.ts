// describe-* files: each kind recognised by its top-level key; a wrong, truncated or misshapen file is refused
// naming the file, the position or field, and what was expected. Addresses and CIDR blocks as AWS reads them.

import { describe, expect, it } from 'vitest';
import { SourceError } from '../../src/core/errors.js';
import { contains, parseAddress, parseCidr } from '../../src/network/address.js';
import { buildModel, parseDocument } from '../../src/network/load.js';

function refusal(fn: () => unknown): SourceError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SourceError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('describe-* files', () => {
  it('recognises each kind by its top-level key (NextToken ignored)', () => {
    expect(parseDocument('a.json', '{"NextToken":"x","SecurityGroups":[]}').kind).toBe('SecurityGroups');
    expect(parseDocument('a.json', '{"Reservations":[]}').kind).toBe('Reservations');
    expect(parseDocument('pl-0abc.json', '{"Entries":[]}').kind).toBe('Entries');
  });

  it('refuses a file of another kind, naming it and what was expected', () => {
    const e = refusal(() => parseDocument('flows.json', '{"Buckets": []}'));
    expect(e.code).toBe('NETWORK_WRONG_KIND');
    expect(e.message).toContain('flows.json');
    expect(e.message).toContain('"Buckets"');
    expect(e.hint).toContain('describe-security-groups');
  });

  it('refuses a truncated file with the line and column where it ends', () => {
    const text = '{\n  "SecurityGroups": [\n    { "GroupId": "sg-1"';
    const e = refusal(() => parseDocument('sgs.json', text));
    expect(e.code).toBe('NETWORK_TRUNCATED');
    expect(e.message).toContain('sgs.json');
    expect(e.message).toMatch(/line 3/);
  });

  it('refuses text that is not JSON at its position', () => {
    const e = refusal(() => parseDocument('x.json', '{"SecurityGroups": [}'));
    expect(e.code).toBe('NETWORK_NOT_JSON');
    expect(e.message).toContain('position 20');
  });

  it('refuses prefix-list entries whose file name does not say which list', () => {
    expect(refusal(() => parseDocument('entries.json', '{"Entries":[]}')).code).toBe('NETWORK_ENTRIES_NAME');
  });

  it('names the field that is out of shape', () => {
    const doc = parseDocument(
      'acl.json',
      '{"NetworkAcls":[{"NetworkAclId":"acl-1","Entries":[{"RuleNumber":100,"Egress":false,"Protocol":"6","RuleAction":"permit","CidrBlock":"0.0.0.0/0"}]}]}',
    );
    const e = refusal(() => buildModel([doc]));
    expect(e.code).toBe('NETWORK_BAD_FIELD');
    expect(e.message).toContain('NetworkAcls[0].Entries[0].RuleAction');
    const bad = parseDocument(
      'sg.json',
      '{"SecurityGroups":[{"GroupId":"sg-1","IpPermissions":[{"IpProtocol":"tcp","IpRanges":[{"CidrIp":"10.0.0.300/8"}]}]}]}',
    );
    expect(refusal(() => buildModel([bad])).message).toContain('IpPermissions[0].IpRanges[0].CidrIp');
  });

  it('takes interfaces from describe-instances when describe-network-interfaces is absent', () => {
    const doc = parseDocument(
      'i.json',
      JSON.stringify({
        Reservations: [
          {
            Instances: [
              {
                InstanceId: 'i-1',
                Tags: [{ Key: 'Name', Value: 'web-1' }],
                NetworkInterfaces: [
                  {
                    NetworkInterfaceId: 'eni-1',
                    SubnetId: 'subnet-1',
                    Groups: [{ GroupId: 'sg-1' }],
                    PrivateIpAddress: '10.0.0.5',
                  },
                ],
              },
            ],
          },
        ],
      }),
    );
    const m = buildModel([doc]);
    expect(m.interfaces.get('eni-1')?.instanceId).toBe('i-1');
    expect(m.instances.get('i-1')?.name).toBe('web-1');
  });
});

describe('addresses', () => {
  it('matches IPv4 and IPv6 blocks, never across families', () => {
    expect(contains(parseCidr('10.0.0.0/16')!, parseAddress('10.0.255.1')!)).toBe(true);
    expect(contains(parseCidr('10.0.0.0/16')!, parseAddress('10.1.0.1')!)).toBe(false);
    expect(contains(parseCidr('0.0.0.0/0')!, parseAddress('::1')!)).toBe(false);
    expect(contains(parseCidr('2600:1f18:1:1::/64')!, parseAddress('2600:1f18:1:1:ffff::1')!)).toBe(true);
    expect(contains(parseCidr('2600:1f18:1:1::/64')!, parseAddress('2600:1f18:1:2::1')!)).toBe(false);
    expect(contains(parseCidr('::/0')!, parseAddress('::ffff:192.0.2.1')!)).toBe(true);
  });

  it('canonicalises a block as AWS does (100.68.0.18/18 is 100.68.0.0/18)', () => {
    const c = parseCidr('100.68.0.18/18')!;
    expect(contains(c, parseAddress('100.68.63.255')!)).toBe(true);
    expect(contains(c, parseAddress('100.68.64.0')!)).toBe(false);
  });

  it('rejects what is not an address', () => {
    for (const s of ['10.0.0.256', '1.2.3', '1::2::3', 'x', '10.0.0.0/33'])
      expect(parseCidr(s)).toBeUndefined();
    expect(parseAddress('2001:db8::1')).toEqual(parseAddress('2001:0db8:0:0:0:0:0:1'));
  });
});
