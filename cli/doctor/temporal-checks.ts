import type { Client } from '@temporalio/client';
import protos from '@temporalio/proto';
import type { Config } from '../../common/config.js';
import { runCheck, type HealthCheck } from '../../common/health.js';
import { REQUIRED_SEARCH_ATTRIBUTES } from '../../common/search-attributes.js';

const { IndexedValueType, TaskQueueType, TaskQueueKind } = protos.temporal.api.enums.v1;

/** Checks the CLI can make itself: namespace, search attributes, pollers on the task queue. */
export async function temporalChecks(client: Client, config: Config): Promise<HealthCheck[]> {
  const { namespace, taskQueue } = config.temporal;
  const service = client.connection.workflowService;
  return [
    await runCheck('temporal namespace', async () => {
      const ns = await service.describeNamespace({ namespace });
      const days = Number(ns.config?.workflowExecutionRetentionTtl?.seconds ?? 0) / 86_400;
      return `${namespace} (retention ${days} days)`;
    }),
    await runCheck('temporal search attributes', async () => {
      const { customAttributes } = await client.connection.operatorService.listSearchAttributes({ namespace });
      const problems = Object.entries(REQUIRED_SEARCH_ATTRIBUTES).flatMap(([name, type]) => {
        const found = customAttributes?.[name];
        if (found === undefined) return [`${name} missing`];
        if (found !== IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD) return [`${name} is not ${type}`];
        return [];
      });
      if (problems.length) {
        const add = Object.entries(REQUIRED_SEARCH_ATTRIBUTES)
          .map(([name, type]) => `temporal operator search-attribute create --name ${name} --type ${type}`)
          .join('; ');
        throw new Error(`${problems.join(', ')}; register with: ${add}`);
      }
      return Object.keys(REQUIRED_SEARCH_ATTRIBUTES).join(', ');
    }),
    await runCheck('worker polling', async () => {
      const counts = await Promise.all(
        [TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY].map(async (taskQueueType) => {
          const out = await service.describeTaskQueue({
            namespace,
            taskQueue: { name: taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
            taskQueueType,
          });
          return out.pollers?.length ?? 0;
        }),
      );
      const [workflowPollers = 0, activityPollers = 0] = counts;
      if (!workflowPollers || !activityPollers) {
        throw new Error(`no worker is polling task queue "${taskQueue}" (start one with: ops worker)`);
      }
      return `task queue ${taskQueue}: ${workflowPollers} workflow, ${activityPollers} activity pollers`;
    }),
  ];
}
