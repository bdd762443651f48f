// The OpenAI Agents SDK (@openai/agents) as an application uses it, pointed at the gateway: one agent with a function
// tool the SDK runs itself, asked a question (the model calls the tool, the SDK sends its output back, the model
// answers), then a follow-up in the same conversation (the first run's history plus a new question), streamed.
//
// Run by agents-e2e.py with node; the packages come from REBOUND_E2E_TOOLS (the folder npm installed them into).
// Env: OPENAI_BASE_URL (the gateway's /v1), OPENAI_API_KEY, AGENT_MODEL, AGENT_API ("responses", the SDK's default,
// or "chat_completions"), AGENT_SESSION (sent as X-Session-Id). Prints one JSON line: what the SDK got.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const tools = process.env.REBOUND_E2E_TOOLS;
const need = createRequire(path.join(tools, 'package.json'));
const load = async (name) => import(pathToFileURL(need.resolve(name)).href);
const agents = await load('@openai/agents');
const { default: OpenAI } = await load('openai');

// Nothing leaves the machine: traces would go to api.openai.com.
agents.setTracingDisabled(true);
if (process.env.AGENT_API === 'chat_completions') agents.setOpenAIAPI('chat_completions');
// No retries of the SDK's own: a 429 reaching the client fails the run, so a pass means the gateway absorbed it.
agents.setDefaultOpenAIClient(new OpenAI({
  maxRetries: 0,
  timeout: 60_000,
  defaultHeaders: { 'X-Session-Id': process.env.AGENT_SESSION },
}));

const calls = [];
const lookup = agents.tool({
  name: 'lookup_order',
  description: 'Looks up the status of an order by its id.',
  parameters: {
    type: 'object',
    properties: { order_id: { type: 'string', description: 'The order id' } },
    required: ['order_id'],
    additionalProperties: false,
  },
  strict: true,
  execute: async ({ order_id }) => {
    calls.push(order_id);
    return `Order ${order_id} shipped on 2026-11-30.`;
  },
});
const agent = new agents.Agent({
  name: 'Support',
  instructions: 'You answer questions about orders. Use lookup_order to find an order.',
  model: process.env.AGENT_MODEL,
  tools: [lookup],
});

const first = await agents.run(agent, 'Where is my order A-17?');
const followUp = first.history.concat([agents.user('Thanks. When did it ship?')]);
// the follow-up streamed, as a chat UI runs it
const second = await agents.run(agent, followUp, { stream: true });
for await (const _ of second.toTextStream()) { /* drained: the SDK assembles the answer */ }
await second.completed;
console.log(JSON.stringify({
  toolCalls: calls,
  first: first.finalOutput,
  second: second.finalOutput,
  firstItems: first.newItems.map((i) => i.type),
  secondItems: second.newItems.map((i) => i.type),
  usage: second.state.usage,
}));
