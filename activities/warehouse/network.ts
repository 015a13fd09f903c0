import {
  CreateSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  type EC2Client,
  RevokeSecurityGroupIngressCommand,
  type SecurityGroup,
} from '@aws-sdk/client-ec2';
import { ApplicationFailure } from '@temporalio/activity';
import { CLOSED_SECURITY_GROUP_CONFLICT, WAREHOUSE_AWS_UNAVAILABLE, WAREHOUSE_REQUEST_REJECTED } from './errors.js';
import { awsErrorName } from './service.js';

/** One per VPC, shared by every closed warehouse there: it admits nothing, so sharing it opens nothing. */
export const CLOSED_GROUP_NAME = 'lifecycle-ops-closed';
const CLOSED_TAG = { Key: 'lifecycle-ops', Value: 'closed' };

export interface ClosedGroups {
  /** The closed group of the VPC these security groups are in, created if missing, with no inbound rules. */
  closedGroupFor(securityGroupIds: string[]): Promise<string>;
}

/**
 * A warehouse is closed by swapping its security groups for the closed group, not by revoking their rules:
 * those groups may also admit other clusters, instances or other customers, and must not change for one.
 */
export function closedGroups(ec2: EC2Client): ClosedGroups {
  async function describe(filters: { Name: string; Values: string[] }[]): Promise<SecurityGroup[]> {
    const out = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: filters }));
    return out.SecurityGroups ?? [];
  }

  async function find(vpcId: string): Promise<SecurityGroup | undefined> {
    const [group] = await describe([
      { Name: 'vpc-id', Values: [vpcId] },
      { Name: 'group-name', Values: [CLOSED_GROUP_NAME] },
    ]);
    return group;
  }

  async function create(vpcId: string): Promise<void> {
    try {
      await ec2.send(
        new CreateSecurityGroupCommand({
          GroupName: CLOSED_GROUP_NAME,
          Description: 'lifecycle-ops: no inbound rules; replaces the security groups of a terminated customer during the hold',
          VpcId: vpcId,
          TagSpecifications: [{ ResourceType: 'security-group', Tags: [CLOSED_TAG] }],
        }),
      );
    } catch (err) {
      // Another attempt (or worker) created it in the meantime.
      if (awsErrorName(err) !== 'InvalidGroup.Duplicate') throw err;
    }
  }

  return {
    async closedGroupFor(securityGroupIds) {
      const out = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: securityGroupIds }));
      const vpcs = [...new Set((out.SecurityGroups ?? []).map((g) => g.VpcId).filter((v): v is string => Boolean(v)))];
      if (vpcs.length !== 1) {
        throw ApplicationFailure.nonRetryable(
          `security groups ${securityGroupIds.join(', ')} are in ${vpcs.length ? `several VPCs (${vpcs.join(', ')})` : 'no VPC'}: cannot pick the VPC to close them in`,
          WAREHOUSE_REQUEST_REJECTED,
        );
      }
      const vpcId = vpcs[0]!;
      let group = await find(vpcId);
      if (!group) {
        await create(vpcId);
        group = await find(vpcId);
      }
      if (!group?.GroupId) throw ApplicationFailure.retryable(`security group ${CLOSED_GROUP_NAME} in ${vpcId} is not visible yet`, WAREHOUSE_AWS_UNAVAILABLE);
      if (!group.Tags?.some((t) => t.Key === CLOSED_TAG.Key && t.Value === CLOSED_TAG.Value)) {
        throw ApplicationFailure.nonRetryable(
          `security group ${group.GroupId} in ${vpcId} is named ${CLOSED_GROUP_NAME} but is not tagged ${CLOSED_TAG.Key}=${CLOSED_TAG.Value}: ` +
            'not ours, so it cannot be trusted to admit nothing',
          CLOSED_SECURITY_GROUP_CONFLICT,
        );
      }
      // Ours, so any inbound rule on it was added by hand and would open every closed warehouse in the VPC.
      if (group.IpPermissions?.length) {
        await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: group.GroupId, IpPermissions: group.IpPermissions }));
      }
      return group.GroupId;
    },
  };
}
