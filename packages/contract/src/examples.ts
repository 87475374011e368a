// Examples for the OpenAPI document (`.meta({ example })`). They are not typed with the schemas' own
// types: a schema whose `.meta()` refers to a value typed by that schema is a circular type, which
// TypeScript silently widens to `unknown`. `pnpm openapi:lint` checks each against its JSON Schema
// instead (no-invalid-schema-examples). Request bodies leave out the path parameters (`id`,
// `step_id`), which REST takes from the URL.

const CAMPAIGN_ID = 'cmp_3f9a1c0e8b7d4e2fa6b5c4d3e2f1a0b9';
const STEP_ID = 'stp_8c1d2e3f4a5b6c7d8e9fa0b1c2d3e4f5';

export const CAMPAIGN_EXAMPLE = {
  id: CAMPAIGN_ID,
  brand_id: 'brand_demo',
  name: 'Black Friday reminders',
  description: 'Three reminders for VIP customers',
  segment_id: 'seg_vip',
  status: 'scheduled',
  scheduled_at: '2030-11-27T09:00:00.000Z',
  published_at: '2030-11-23T10:00:00.000Z',
  sent_at: null,
  cancelled_at: null,
  created_by: 'user_demo',
  created_at: '2030-11-23T09:30:00.000Z',
  updated_at: '2030-11-23T10:00:00.000Z',
  send_window: {
    time_zone: 'Europe/Berlin',
    days: ['mon', 'tue', 'wed', 'thu', 'fri'],
    start: '09:00',
    end: '20:00',
  },
};

export const CAMPAIGN_PAGE_EXAMPLE = {
  items: [CAMPAIGN_EXAMPLE],
  next_cursor: null,
};

export const STEP_EXAMPLE = {
  id: STEP_ID,
  campaign_id: CAMPAIGN_ID,
  position: 0,
  template_id: 'tpl_welcome',
  template_version_id: 'tplv_3',
  delay_minutes: 0,
  variables: { first_name: 'Ada' },
};

export const STEP_LIST_EXAMPLE = { items: [STEP_EXAMPLE] };

export const DELIVERY_EXAMPLE = {
  id: 'dlv_0a1b2c3d4e5f60718293a4b5c6d7e8f9',
  campaign_id: CAMPAIGN_ID,
  step_id: STEP_ID,
  position: 0,
  due_at: '2030-11-27T09:00:00.000Z',
  fired_at: '2030-11-27T09:00:01.234Z',
};

export const DELIVERY_LIST_EXAMPLE = { items: [DELIVERY_EXAMPLE] };

export const CREATE_CAMPAIGN_EXAMPLE = {
  name: 'Black Friday reminders',
  description: 'Three reminders for VIP customers',
  segment_id: 'seg_vip',
  send_window: {
    time_zone: 'Europe/Berlin',
    days: ['mon', 'tue', 'wed', 'thu', 'fri'],
    start: '09:00',
    end: '20:00',
  },
};

export const UPDATE_CAMPAIGN_EXAMPLE = {
  name: 'Black Friday reminders (VIP)',
};

export const SCHEDULE_CAMPAIGN_EXAMPLE = {
  scheduled_at: '2030-11-27T10:00:00+01:00',
};

export const ADD_STEP_EXAMPLE = {
  position: 0,
  template_id: 'tpl_welcome',
  template_version_id: 'tplv_3',
  delay_minutes: 0,
  variables: { first_name: 'Ada' },
};

export const UPDATE_STEP_EXAMPLE = {
  position: 1,
  delay_minutes: 1440,
};
