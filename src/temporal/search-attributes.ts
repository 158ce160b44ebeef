// The typed search attributes this project puts on workflows, and their dev-server registration flags.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const ModelName = defineSearchAttributeKey('ModelName', SearchAttributeType.KEYWORD);
export const ModelVersion = defineSearchAttributeKey('ModelVersion', SearchAttributeType.INT);
export const PipelineStage = defineSearchAttributeKey('PipelineStage', SearchAttributeType.KEYWORD);

export const projectSearchAttributes = [ModelName, ModelVersion, PipelineStage];

const cliTypeName: Record<string, string> = {
  [SearchAttributeType.KEYWORD]: 'Keyword',
  [SearchAttributeType.INT]: 'Int',
};

/** `--search-attribute Name=Type` flags for `temporal server start-dev`. */
export function searchAttributeFlags(): string[] {
  return projectSearchAttributes.flatMap((k) => ['--search-attribute', `${k.name}=${cliTypeName[k.type]}`]);
}
