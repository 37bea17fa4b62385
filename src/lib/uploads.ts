import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/** An uploaded file as @fastify/multipart attaches it to the body. */
export interface UploadedFile {
  filename: string;
  toBuffer: () => Promise<Buffer>;
  /** busboy's stream: `truncated` once the size limit cut it. */
  file?: { truncated?: boolean };
}

/** The body's file field, when the form sent one. */
export function uploadedFile(body: unknown): UploadedFile | null {
  const file = body && typeof body === 'object' ? (body as { file?: unknown }).file : null;
  return file && typeof file === 'object' && 'toBuffer' in file && (file as UploadedFile).filename ? (file as UploadedFile) : null;
}

/**
 * Multipart forms in an encapsulated context (the rest of the app keeps its urlencoded bodies).
 * The size limit cuts the file (truncated) rather than throwing while parsing, so the handler —
 * after the session and CSRF checks — answers with its form and a message by the field; a request
 * that is not multipart at all goes to `notMultipart`, the same way.
 */
export async function multipartForms(
  upload: FastifyInstance,
  opts: { fileSize: number; fields: number; notMultipart: Handler; tooLarge?: Handler },
): Promise<void> {
  await upload.register(multipart, { attachFieldsToBody: true, throwFileSizeLimit: false, limits: { fileSize: opts.fileSize, files: 1, fields: opts.fields } });
  // Fields arrive as { value } objects; the CSRF check (preHandler) reads a plain _csrf.
  upload.addHook('preValidation', async (request) => {
    const body = request.body as Record<string, { value?: unknown }> | undefined;
    if (body && typeof body === 'object') for (const k of Object.keys(body)) if (k !== 'file' && body[k] && typeof body[k] === 'object' && 'value' in body[k]) (body as Record<string, unknown>)[k] = body[k].value;
  });
  upload.setErrorHandler(async (error: { code?: string }, request, reply) => {
    if (error.code === 'FST_INVALID_MULTIPART_CONTENT_TYPE') return opts.notMultipart(request, reply);
    if (error.code === 'FST_REQ_FILE_TOO_LARGE' && opts.tooLarge) return opts.tooLarge(request, reply);
    throw error;
  });
}
