// Display metadata for the app catalog (categories and connection levels).

export const CATEGORIES = [
  { value: 'pos', label: 'Point of sale' },
  { value: 'online_ordering', label: 'Online ordering' },
  { value: 'delivery', label: 'Delivery' },
  { value: 'marketing', label: 'Marketing' },
  { value: 'loyalty', label: 'Loyalty' },
  { value: 'bi', label: 'Business intelligence' },
  { value: 'inventory', label: 'Inventory' },
  { value: 'other', label: 'Other' },
];

const CATEGORY_LABELS = new Map(CATEGORIES.map((c) => [c.value, c.label]));

export function isCategory(value) {
  return CATEGORY_LABELS.has(value);
}

export function categoryLabel(value) {
  return CATEGORY_LABELS.get(value) || value || 'Uncategorised';
}

export const LEVELS = {
  account: {
    label: 'Account',
    explanation: 'Connected once for the whole merchant account; applies to every location.',
  },
  location: {
    label: 'Location',
    explanation: 'Connected separately to each location of the merchant.',
  },
};
