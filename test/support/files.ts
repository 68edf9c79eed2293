import http from 'node:http';
import { AddressInfo } from 'node:net';
import { Harness } from './harness';
import { execute, User } from './teams';

/**
 * Accepts a Teams file consent card as `u` would: a stand-in OneDrive takes the upload, and the
 * bot's fileConsent/invoke is answered (in their 1:1 chat, or the conversation given). Returns
 * the HTTP status and the bytes uploaded.
 */
export async function acceptFile(h: Harness, u: User, consent: Record<string, unknown>, o: { name?: string; conversation?: Record<string, unknown>; channelData?: Record<string, unknown> } = {}): Promise<{ status: number; uploaded: Buffer }> {
  const content = (consent as { attachments: { content: { acceptContext: unknown } }[] }).attachments[0].content;
  let uploaded = Buffer.alloc(0);
  const onedrive = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => { uploaded = Buffer.concat(chunks); res.writeHead(201); res.end('{}'); });
  });
  await new Promise<void>((r) => onedrive.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${(onedrive.address() as AddressInfo).port}/upload`;
    const res = await h.post({
      ...execute(h, u, 'x', {}, o.conversation, o.channelData), name: 'fileConsent/invoke',
      value: { type: 'fileUpload', action: 'accept', context: content.acceptContext, uploadInfo: { name: o.name ?? 'file', uploadUrl: url, contentUrl: 'https://onedrive.example/f', uniqueId: 'u1' } },
    } as never);
    return { status: res.status, uploaded };
  } finally {
    onedrive.close();
  }
}
