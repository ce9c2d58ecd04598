import type { CheckoutInputDto } from '@rose-ash/shared/contracts/dtos.ts';
import type { RoutePlugin } from '@rose-ash/shared/infrastructure/contracts.ts';
import { AppError } from '@rose-ash/shared/infrastructure/errors.ts';
import { setFlash } from '@rose-ash/shared/infrastructure/flash.ts';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { cartOwner } from '../../services/cart-owner.ts';
import { replyToPay, unavailableMessage } from '../../services/pay-redirect.ts';

const text = (max: number, message: string) => z.string().trim().max(max, message).optional();

/**
 * The checkout form. Types and lengths are the contract (a violation re-renders the form with
 * field errors); what depends on the basket and the settings (delivery or collection, which
 * point, an address for delivery) is checked by the handler, with the same field errors.
 */
const CheckoutForm = z.object({
  _csrf: z.string().max(200).optional(),
  email: z
    .string()
    .trim()
    .max(254, 'That e-mail address is too long')
    .pipe(z.email('Enter an e-mail address, like name@example.com')),
  name: z.string().trim().min(1, 'Enter your name').max(200, 'At most 200 characters'),
  // Absent for a basket of tickets alone (an empty value counts as absent).
  fulfilment: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.enum(['delivery', 'collection'], { error: 'Choose delivery or collection' }).optional(),
  ),
  collection_point: text(100, 'Choose a collection point'),
  address_line1: text(200, 'At most 200 characters'),
  address_line2: text(200, 'At most 200 characters'),
  city: text(100, 'At most 100 characters'),
  postcode: text(20, 'At most 20 characters'),
  notes: text(2_000, 'At most 2,000 characters'),
});
type CheckoutForm = z.infer<typeof CheckoutForm>;

const checkoutRoutes: RoutePlugin = async (app) => {
  const settings = app.payments.settings;

  const formContext = async (request: FastifyRequest) => {
    const { owner } = await cartOwner(request);
    const summary = owner ? await app.services.cart.getCartSummary(owner) : null;
    const hasProducts = summary?.lines.some((l) => l.kind === 'product') ?? false;
    return {
      title: 'Checkout',
      summary,
      has_products: hasProducts,
      collection_points: settings.collection_points,
      delivery: settings.delivery,
      payments_enabled: !!app.payments.gateway,
    };
  };

  /** Field errors that depend on the basket and the settings. */
  const dependentErrors = (form: CheckoutForm, hasProducts: boolean): Record<string, string> => {
    const errors: Record<string, string> = {};
    if (!hasProducts) return errors;
    if (!form.fulfilment) errors['fulfilment'] = 'Choose delivery or collection';
    if (form.fulfilment === 'delivery') {
      if (!settings.delivery.enabled)
        errors['fulfilment'] = 'We do not deliver at the moment: please collect';
      if (!form.address_line1) errors['address_line1'] = 'Enter the first line of the address';
      if (!form.city) errors['city'] = 'Enter the town or city';
      if (!form.postcode) errors['postcode'] = 'Enter the postcode';
    }
    if (
      form.fulfilment === 'collection' &&
      !settings.collection_points.some((p) => p.id === form.collection_point)
    )
      errors['collection_point'] = 'Choose where to collect your order';
    return errors;
  };

  app.get('/checkout', async (request, reply) => {
    await cartOwner(request, reply);
    const context = await formContext(request);
    if (!context.summary?.lines.length) return reply.redirect('/', 303);
    return reply.header('cache-control', 'private, no-store').view('checkout.njk', {
      ...context,
      values: {
        email: request.user?.email ?? '',
        name: request.user?.name ?? '',
        fulfilment: settings.collection_points.length ? 'collection' : 'delivery',
      },
    });
  });

  app.post(
    '/checkout',
    {
      preValidation: app.csrfProtection,
      schema: { body: CheckoutForm },
      config: { form: { view: 'checkout.njk', context: formContext } },
    },
    async (request, reply) => {
      const { owner } = await cartOwner(request, reply);
      const context = await formContext(request);
      if (!owner || !context.summary?.lines.length) {
        setFlash(reply, app.config, { kind: 'error', message: 'Your basket is empty.' });
        return reply.redirect('/', 303);
      }
      const form = request.body;
      const errors = dependentErrors(form, context.has_products);
      if (Object.keys(errors).length) {
        return reply.code(400).view('checkout.njk', {
          ...context,
          values: form,
          errors,
          error: 'Please check the highlighted fields.',
        });
      }
      // Before anything is held: without SumUp the order could not be paid.
      if (!app.payments.gateway) throw new AppError('CART_PAYMENT_UNAVAILABLE');
      const fulfilment = context.has_products ? (form.fulfilment ?? 'collection') : 'none';
      const point = settings.collection_points.find((p) => p.id === form.collection_point);
      const input: CheckoutInputDto = {
        email: form.email,
        name: form.name,
        fulfilment,
        collectionPoint: fulfilment === 'collection' && point ? point.name : null,
        address:
          fulfilment === 'delivery'
            ? {
                line1: form.address_line1 ?? '',
                ...(form.address_line2 ? { line2: form.address_line2 } : {}),
                city: form.city ?? '',
                postcode: (form.postcode ?? '').toUpperCase(),
                country: settings.delivery.country,
              }
            : null,
        notes: form.notes || null,
        deliveryPence: fulfilment === 'delivery' ? settings.delivery.price_pence : 0,
        userId: request.user?.id ?? null,
      };
      const result = await app.payments.placeOrder(owner, input);
      if (result.kind === 'empty') return reply.redirect('/', 303);
      if (result.kind === 'unavailable') {
        return reply.code(409).view('checkout.njk', {
          ...(await formContext(request)),
          values: form,
          error: unavailableMessage(result.lines),
          unavailable: result.lines,
        });
      }
      return replyToPay(app, reply, result.number, result.pay);
    },
  );
};

export default checkoutRoutes;
